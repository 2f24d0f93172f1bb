"""A contract's months as they were, beside the same months replayed under another plan.

Both columns are computed by the same functions from a ``ClockSet``: the actual one from the
stored clocks (``billing.facts.period_facts``, what the statement reads), the replayed one
from ``tiers.replay.replay_clocks``. Compliance is ``reports.statement.compliance_section``
(``statement_rules.compliance``), breaches ``billing.facts.breach_facts`` and credits
``billing.services.draft_for`` (the computed amount, before any manager's decision).

Decisions (docs/tier-replay.md): the ticket keeps its priority (triage is about the
incident, not the tier); under the contract's own plan every ticket is measured under the
terms of its contract version (plan targets and the version's overrides: the identity),
under another plan under that plan's own targets and calendars (``terms_for_plan``). Credits
follow the contract's credit schedule, percentages of the replayed plan's monthly fee when
one is given (else the contract's).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from typing import Any

import numpy as np
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from servicepact.billing.clockdata import ClockSet
from servicepact.billing.credits import monthly_fee
from servicepact.billing.facts import PeriodFacts, breach_facts, period_facts
from servicepact.billing.periods import Period
from servicepact.billing.services import draft_for
from servicepact.contracts.choices import ClockStage, ContractStatus
from servicepact.contracts.metrics import labels, load_metrics
from servicepact.contracts.models import Contract, ContractVersion, ServicePlan
from servicepact.contracts.terms import Terms, terms_for_plan, terms_for_version
from servicepact.core.errors import DomainValidationError
from servicepact.core.money import format_amount, minor_units
from servicepact.core.time import now as current_time
from servicepact.customers.models import Customer
from servicepact.reports.statement import compliance_section, statement_terms
from servicepact.slaclock import statement_rules
from servicepact.slaclock.statement_rules import MonthClocks
from servicepact.tiers.choices import MAX_YEARS
from servicepact.tiers.models import DowntimeCost
from servicepact.tiers.replay import TermsOf, replay_clocks
from servicepact.tiers.selectors import replay_assets

HOUR = Decimal(3600)
MAX_ASSETS = 1000  # assets in one replay's filter


@dataclass(frozen=True)
class MonthPair:
    """One month: the facts as they were and the replayed clocks of the month."""

    facts: PeriodFacts
    replayed: ClockSet  # decided in the month, under the other plan
    replayed_facts: PeriodFacts


def plan_terms_of(contract: Contract, plan: ServicePlan) -> TermsOf:
    """Which terms measure a ticket of ``contract`` in a replay under ``plan``."""
    if plan.pk == contract.plan_id:
        versions = {v.pk: v for v in ContractVersion.objects.filter(contract=contract)}
        cache: dict[int, Terms] = {}

        def own(version_id: int) -> Terms | None:
            version = versions.get(version_id)
            if version is None:
                return None
            if version_id not in cache:
                cache[version_id] = terms_for_version(version)
            return cache[version_id]

        return own
    terms = terms_for_plan(plan)
    return lambda _version_id: terms


def month_pair(
    contract: Contract,
    month: Period,
    terms_of: TermsOf,
    *,
    now: datetime | None = None,
    asset_ids: Sequence[int] | None = None,
) -> MonthPair:
    """The month's facts and its clocks replayed (as of min(end of month, now)); with
    ``asset_ids``, of the tickets on those assets only (both columns, filtered in SQL)."""
    facts = period_facts(
        contract,
        month,
        now=now or current_time(),
        asset_ids=asset_ids,
        with_availability=asset_ids is None,
    )
    clocks = replay_clocks(
        contract_ids=[contract.pk],
        since=facts.start,
        cutoff=facts.cutoff,
        terms_of=terms_of,
        asset_ids=asset_ids,
    )
    decided = clocks.take(clocks.decided_between(facts.start, facts.end))
    replayed_facts = replace(
        facts,
        clocks=clocks,
        month=decided,
        breaches=breach_facts(decided, facts.force_majeure),
    )
    return MonthPair(facts, decided, replayed_facts)


def months_between(first: Period, last: Period) -> list[Period]:
    out = [first]
    while out[-1] < last:
        out.append(out[-1].shift(1))
    return out


def compare(
    *,
    contract: Contract,
    plan: ServicePlan,
    first: Period,
    last: Period | None = None,
    fee: Decimal | None = None,
    now: datetime | None = None,
    asset_ids: Sequence[int] | None = None,
) -> dict[str, Any]:
    """The months ``first``..``last`` as they were and under ``plan``, side by side; with
    ``asset_ids``, of the tickets on those assets only (the answer then says ``assets``)."""
    return _compare(
        contract=contract, plan=plan, first=first, last=last, fee=fee, now=now, asset_ids=asset_ids
    ).result


@dataclass(frozen=True)
class _Compared:
    result: dict[str, Any]
    actual: list[ClockSet]  # the months' decided clocks, as they were
    replayed: list[ClockSet]  # the same, replayed


def _compare(
    *,
    contract: Contract,
    plan: ServicePlan,
    first: Period,
    last: Period | None,
    fee: Decimal | None,
    now: datetime | None,
    asset_ids: Sequence[int] | None,
) -> _Compared:
    months = months_between(first, last or first)
    terms_of = plan_terms_of(contract, plan)
    pairs = [month_pair(contract, m, terms_of, now=now, asset_ids=asset_ids) for m in months]
    currency = contract.fee_currency
    rate = downtime_rate(contract)
    own_terms = statement_terms(pairs[-1].facts)
    other_terms = own_terms if plan.pk == contract.plan_id else terms_for_plan(plan)
    # Some assets: the contract-wide credit lines (availability, security, recovery) belong
    # to no asset and are left out of both columns; the breach lines and the cap remain.
    tickets_only = asset_ids is not None
    actual = figures(
        [p.facts for p in pairs],
        own_terms,
        currency,
        rate,
        lambda m: monthly_fee(contract, m),
        tickets_only=tickets_only,
    )
    replayed = figures(
        [p.replayed_facts for p in pairs],
        other_terms,
        currency,
        rate,
        lambda m: monthly_fee(contract, m) if fee is None else fee,
        fee=fee,
        tickets_only=tickets_only,
    )
    result: dict[str, Any] = {
        "contract": {"id": contract.pk, "number": contract.number, "plan": contract.plan.name},
        "customer_id": contract.customer_id,
        "plan": {"id": plan.pk, "name": plan.name, "own": plan.pk == contract.plan_id},
        "periods": [str(m) for m in months],
        "currency": currency,
        "downtime_cost_per_hour": None if rate is None else format_amount(rate, currency),
        "actual": actual,
        "replayed": replayed,
        "difference": difference(actual, replayed, currency),
    }
    if asset_ids is not None:
        result["assets"] = sorted(set(asset_ids))
    return _Compared(
        result, [p.facts.month for p in pairs], [p.replayed_facts.month for p in pairs]
    )


def contracts_in_force(
    customer: Customer, first: Period, last: Period | None = None
) -> QuerySet[Contract]:
    """The customer's contracts in force in some month of ``first``..``last`` (their term,
    cut at an early termination, overlaps the months; drafts never were), by number."""
    last = last or first
    return (
        Contract.objects.filter(
            customer=customer,
            start_date__lte=last.last_day,
            end_date__gte=first.first_day,
        )
        .exclude(status=ContractStatus.DRAFT)
        .exclude(terminated_on__lt=first.first_day)
        .select_related("plan", "customer")
        .order_by("number")
    )


def months_in_force(contract: Contract, first: Period, last: Period) -> tuple[Period, Period]:
    """``first``..``last`` cut to the months the contract was in force."""
    end = contract.end_date
    if contract.terminated_on is not None:
        end = min(end, contract.terminated_on)
    begin = max(first, Period(contract.start_date.year, contract.start_date.month))
    return begin, min(last, Period(end.year, end.month))


def compare_customer(
    *,
    customer: Customer,
    plan: ServicePlan,
    first: Period,
    last: Period | None = None,
    fee: Decimal | None = None,
    now: datetime | None = None,
    asset_ids: Sequence[int] | None = None,
) -> dict[str, Any]:
    """Every contract of the customer in force in the months, each replayed like
    ``compare`` over the months it was in force (its own credit schedule and fee), and the
    totals: counts and money summed per currency, compliance recomputed over the union of
    the contracts' clocks (not an average of percentages)."""
    last = last or first
    spans = [
        (c, *months_in_force(c, first, last)) for c in contracts_in_force(customer, first, last)
    ]
    spans = [(c, begin, end) for c, begin, end in spans if begin <= end]
    if not spans:
        raise DomainValidationError(
            {"customer": [_("No contract of this customer was in force in these months.")]}
        )
    done = []
    for contract, begin, end in spans:
        done.append(
            _compare(
                contract=contract,
                plan=plan,
                first=begin,
                last=end,
                fee=fee,
                now=now,
                asset_ids=asset_ids,
            )
        )
    results = [d.result for d in done]
    actual = totals(results, "actual", _concat([s for d in done for s in d.actual]))
    replayed = totals(results, "replayed", _concat([s for d in done for s in d.replayed]))
    return {
        "customer": {"id": customer.pk, "name": customer.name},
        "customer_id": customer.pk,
        "plan": {"id": plan.pk, "name": plan.name},
        "periods": [str(m) for m in months_between(first, last)],
        "assets": None if asset_ids is None else sorted(set(asset_ids)),
        "contracts": results,
        "totals": {
            "actual": actual,
            "replayed": replayed,
            "difference": total_difference(actual, replayed),
        },
    }


COUNTS = ("breach_count", "late_onsite", "restore_clocks", "restore_seconds")
AMOUNTS = ("credits", "fee", "downtime_cost")


def totals(results: list[dict[str, Any]], side: str, union: ClockSet) -> dict[str, Any]:
    """One column summed over the contracts: counts; amounts per currency (a sum is None
    when a contract of that currency has none: no downtime cost entered); compliance over
    the union of the contracts' decided clocks."""
    out: dict[str, Any] = {"compliance": union_compliance(union)}
    for key in COUNTS:
        out[key] = sum(int(r[side][key]) for r in results)
    for key in AMOUNTS:
        sums: dict[str, Decimal | None] = {}
        for r in results:
            currency, value = r["currency"], r[side][key]
            before = sums.get(currency, Decimal(0))
            sums[currency] = None if before is None or value is None else before + Decimal(value)
        out[key] = {c: None if v is None else format_amount(v, c) for c, v in sums.items()}
    return out


def total_difference(actual: dict[str, Any], replayed: dict[str, Any]) -> dict[str, Any]:
    """Replayed minus actual of the totals (amounts per currency)."""
    out: dict[str, Any] = {
        key: replayed[key] - actual[key]
        for key in ("breach_count", "late_onsite", "restore_seconds")
    }
    out["breaches"] = out.pop("breach_count")
    for key in AMOUNTS:
        out[key] = {
            c: None
            if a is None or replayed[key].get(c) is None
            else format_amount(Decimal(replayed[key][c]) - Decimal(a), c)
            for c, a in actual[key].items()
        }
    out["compliance_percent"] = [
        actual["compliance"]["overall"]["percent"],
        replayed["compliance"]["overall"]["percent"],
    ]
    return out


def union_compliance(clocks: ClockSet) -> dict[str, Any]:
    """Met / total per metric and overall over clocks of several contracts (no targets:
    they differ between the contracts)."""
    names = labels()
    found = statement_rules.compliance(
        MonthClocks(
            metric=clocks.metric,
            priority=clocks.priority,
            breached=clocks.breached,
            stopped=clocks.stopped,
            elapsed=clocks.elapsed,
        ),
        clocks.metrics,
        metric_label=lambda m: names.get(m, m),
    )
    return {"by_metric": found["by_metric"], "overall": found["overall"]}


def downtime_rate(contract: Contract) -> Decimal | None:
    """The customer's cost of an hour of downtime of this contract's service (its own row,
    else the customer's general one); None when the customer has not entered one."""
    rows = {
        r.contract_id: r.cost_per_hour
        for r in DowntimeCost.objects.filter(customer_id=contract.customer_id)
    }
    return rows.get(contract.pk, rows.get(None))


def _concat(sets: list[ClockSet]) -> ClockSet:
    """The months' decided clocks as one set (for figures over a range; same metrics; the
    calendars and pauses are the first month's: no figure here reads them)."""
    if len(sets) == 1:
        return sets[0]
    names = (
        "clock_id", "ticket_id", "contract_id", "version_id", "metric", "priority", "target",
        "start", "stop", "end", "elapsed", "breached", "deadline", "decided_at", "category",
    )  # fmt: skip
    joined: dict[str, Any] = {n: np.concatenate([getattr(s, n) for s in sets]) for n in names}
    return replace(sets[0].take(np.zeros(0, dtype=np.int64)), **joined)


def _stopped_metrics(stage: str) -> set[int]:
    """Positions (in a ClockSet's ``metrics``) of the metrics a stage stops."""
    return {i for i, m in enumerate(load_metrics().values()) if stage in m.stops}


def figures(
    months: list[PeriodFacts],
    terms: Terms,
    currency: str,
    rate: Decimal | None,
    fee_of: Callable[[Period], Decimal],
    *,
    fee: Decimal | None = None,
    tickets_only: bool = False,
) -> dict[str, Any]:
    """Compliance, breaches, credits, late on-site arrivals, fee and downtime of months
    (``tickets_only``: credits of the ticket clocks only, ``draft_for``)."""
    decided = _concat([f.month for f in months])
    places = minor_units(currency)
    credit_total = Decimal(0)
    fee_total = Decimal(0)
    breaches: list[dict[str, Any]] = []
    for f in months:
        credit_total += draft_for(f, fee=fee, tickets_only=tickets_only).amount
        fee_total += fee_of(f.period)
        breaches.extend(
            {
                "ticket": b.ticket_number,
                "ticket_id": b.ticket_id,
                "metric": b.metric,
                "priority": b.priority,
                "deadline": b.deadline.isoformat(),
                "breached_by_seconds": b.breached_by_seconds,
                "excluded": b.excluded_because is not None,
            }
            for b in f.breaches
        )
    onsite = _stopped_metrics(ClockStage.ONSITE_ARRIVED)
    restore = np.isin(decided.metric, sorted(_stopped_metrics(ClockStage.RESTORED)))
    # Restore time with the promise kept: from the start to the restore, or to the promised
    # restore (the deadline) when the restore came later. Wall-clock: downtime costs by the hour.
    kept = int((decided.decided_at[restore] - decided.start[restore]).sum()) if restore.any() else 0
    late = int((decided.breached & np.isin(decided.metric, sorted(onsite))).sum())
    hours = Decimal(kept) / HOUR
    return {
        "compliance": compliance_section(decided, terms),
        "breaches": breaches,
        "breach_count": len(breaches),
        "late_onsite": late,
        "credits": format_amount(credit_total, currency),
        "fee": format_amount(fee_total, currency),
        "restore_clocks": int(restore.sum()),
        "restore_seconds": kept,
        "downtime_cost": None
        if rate is None
        else format_amount(statement_rules.money(hours, rate * 100, places), currency),
    }


def difference(actual: dict[str, Any], replayed: dict[str, Any], currency: str) -> dict[str, Any]:
    """Replayed minus actual of the money and count figures."""

    def minus(key: str) -> str | None:
        a, b = actual[key], replayed[key]
        if a is None or b is None:
            return None
        return format_amount(Decimal(b) - Decimal(a), currency)

    overall = (actual["compliance"]["overall"], replayed["compliance"]["overall"])
    return {
        "breaches": replayed["breach_count"] - actual["breach_count"],
        "late_onsite": replayed["late_onsite"] - actual["late_onsite"],
        "credits": minus("credits"),
        "fee": minus("fee"),
        "downtime_cost": minus("downtime_cost"),
        "restore_seconds": replayed["restore_seconds"] - actual["restore_seconds"],
        "compliance_percent": [overall[0]["percent"], overall[1]["percent"]],
    }


def parse_months(period: str, period_to: str | None) -> tuple[Period, Period]:
    """The first and last month of a replay request (422 on ``period``/``period_to``)."""
    first = Period.parse(period, field="period")
    last = Period.parse(period_to, field="period_to") if period_to else first
    if last < first:
        raise DomainValidationError({"period_to": [_("must not be before the first month")]})
    if (last.year - first.year) * 12 + last.month - first.month >= 12 * MAX_YEARS:
        raise DomainValidationError(
            {"period_to": [_("at most %(max)d years") % {"max": MAX_YEARS}]}
        )
    return first, last


def checked_assets(
    asset_ids: Sequence[int] | None,
    *,
    customer: Customer | None = None,
    contract: Contract | None = None,
) -> list[int] | None:
    """The asset filter of a replay, each asset the customer's (or on the contract's
    lines); 422 on ``assets`` otherwise (an empty filter too: it would replay nothing)."""
    if asset_ids is None:
        return None
    wanted = sorted(set(asset_ids))
    if not wanted:
        raise DomainValidationError(
            {"assets": [_("Choose at least one asset, or none to replay them all.")]}
        )
    found = set(
        replay_assets(customer=customer, contract=contract)
        .filter(pk__in=wanted)
        .values_list("pk", flat=True)
    )
    missing = [i for i in wanted if i not in found]
    if missing:
        raise DomainValidationError(
            {
                "assets": [
                    _("Not an asset of this contract or customer: %(ids)s")
                    % {"ids": ", ".join(str(i) for i in missing)}
                ]
            }
        )
    return wanted


def replay(
    *,
    contract: Contract | None,
    customer: Customer | None,
    plan: ServicePlan,
    first: Period,
    last: Period,
    fee: Decimal | None = None,
    asset_ids: Sequence[int] | None = None,
) -> dict[str, Any]:
    """A replay request as the API and the pages make it: exactly one of a contract or a
    customer (422 on both fields otherwise), the asset filter checked against it, then
    ``compare`` or ``compare_customer``."""
    if (contract is None) == (customer is None):
        message = _("Give either a contract or a customer.")
        raise DomainValidationError({"contract": [message], "customer": [message]})
    assets = checked_assets(asset_ids, customer=customer, contract=contract)
    if contract is not None:
        return compare(
            contract=contract, plan=plan, first=first, last=last, fee=fee, asset_ids=assets
        )
    assert customer is not None
    return compare_customer(
        customer=customer, plan=plan, first=first, last=last, fee=fee, asset_ids=assets
    )
