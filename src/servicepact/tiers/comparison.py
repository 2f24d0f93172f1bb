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

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from typing import Any

import numpy as np

from servicepact.billing.clockdata import ClockSet
from servicepact.billing.credits import monthly_fee
from servicepact.billing.facts import PeriodFacts, breach_facts, period_facts
from servicepact.billing.periods import Period
from servicepact.billing.services import draft_for
from servicepact.contracts.choices import ClockStage
from servicepact.contracts.metrics import load_metrics
from servicepact.contracts.models import Contract, ContractVersion, ServicePlan
from servicepact.contracts.terms import Terms, terms_for_plan, terms_for_version
from servicepact.core.money import format_amount, minor_units
from servicepact.core.time import now as current_time
from servicepact.reports.statement import compliance_section, statement_terms
from servicepact.slaclock import statement_rules
from servicepact.tiers.models import DowntimeCost
from servicepact.tiers.replay import TermsOf, replay_clocks

HOUR = Decimal(3600)


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
    contract: Contract, month: Period, terms_of: TermsOf, *, now: datetime | None = None
) -> MonthPair:
    """The month's facts and its clocks replayed (as of min(end of month, now))."""
    facts = period_facts(contract, month, now=now or current_time())
    clocks = replay_clocks(
        contract_ids=[contract.pk], since=facts.start, cutoff=facts.cutoff, terms_of=terms_of
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
) -> dict[str, Any]:
    """The months ``first``..``last`` as they were and under ``plan``, side by side."""
    months = months_between(first, last or first)
    terms_of = plan_terms_of(contract, plan)
    pairs = [month_pair(contract, m, terms_of, now=now) for m in months]
    currency = contract.fee_currency
    rate = downtime_rate(contract)
    own_terms = statement_terms(pairs[-1].facts)
    other_terms = own_terms if plan.pk == contract.plan_id else terms_for_plan(plan)
    actual = figures(
        [p.facts for p in pairs], own_terms, currency, rate, lambda m: monthly_fee(contract, m)
    )
    replayed = figures(
        [p.replayed_facts for p in pairs],
        other_terms,
        currency,
        rate,
        lambda m: monthly_fee(contract, m) if fee is None else fee,
        fee=fee,
    )
    return {
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
) -> dict[str, Any]:
    """Compliance, breaches, credits, late on-site arrivals, fee and downtime of months."""
    decided = _concat([f.month for f in months])
    places = minor_units(currency)
    credit_total = Decimal(0)
    fee_total = Decimal(0)
    breaches: list[dict[str, Any]] = []
    for f in months:
        credit_total += draft_for(f, fee=fee).amount
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
