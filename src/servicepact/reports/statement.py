"""The monthly SLA statement of a contract, as one JSON-serialisable snapshot.

Definitions (docs/statements.md): a clock counts in the month that contains its decision
instant (its breach instant if breached, else its stop), decided as of the cut-off
min(end of month, now). Compliance = met / (met + breached). Mean and 90th percentile are
over the month's clocks that had stopped by the cut-off, in business seconds; the 90th
percentile is the nearest rank (the ceil(0.9 n)-th smallest). Everything is aggregated with
SQL and numpy over the whole month at once; nothing loops over tickets in the ORM.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import numpy as np
from django.db.models import Count, Q
from django.db.models.fields.json import KeyTextTransform, KeyTransform

from servicepact.aftercare.csat import statement_section as satisfaction_section
from servicepact.assets.models import ContractLine
from servicepact.backups.statement import recovery_section
from servicepact.billing.availability import measure
from servicepact.billing.clockdata import CATEGORIES, ClockSet
from servicepact.billing.credits import monthly_fee
from servicepact.billing.facts import PeriodFacts, breach_rows, period_facts
from servicepact.billing.fees import fee_in_force
from servicepact.billing.models import PeriodCredit
from servicepact.billing.periods import Period
from servicepact.billing.selectors import hours_summary
from servicepact.billing.services import claim_deadline, draft_for
from servicepact.contracts.choices import KPI_UNITS, UNMEASURED_KPI_KINDS, KpiKind
from servicepact.contracts.metrics import label_of, labels
from servicepact.contracts.models import Contract
from servicepact.contracts.terms import Terms, default_terms, terms_for_version
from servicepact.core.money import format_amount
from servicepact.core.time import now as current_time
from servicepact.monitoring.selectors import measurements_for
from servicepact.reports.change_statement import changes_section
from servicepact.reports.models import Statement
from servicepact.reports.training_section import training_section
from servicepact.security.statement import security_section
from servicepact.slaclock.statement_rules import (
    PRIORITIES,
    TWO,
    KpiMeasurement,
    MonthClocks,
    compliance,
    compliance_by_category,
    kpi_rows,
    mean_seconds,
    nearest_rank,
    percent,
    plain,
)
from servicepact.tickets.choices import Category
from servicepact.tickets.models import Ticket

__all__ = [
    "breaches_section",
    "build_statement",
    "compliance_section",
    "credit_decision",
    "mean_seconds",
    "nearest_rank",
    "percent",
    "statement_terms",
]

SCHEMA = 1
TREND_MONTHS = 12


def _plain(value: Decimal) -> str:
    """240.0000 -> '240', 99.9500 -> '99.95' (never '2.4E+2')."""
    return plain(value)


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.astimezone(UTC).isoformat()


def build_statement(
    contract: Contract, period: str | Period, *, now: datetime | None = None
) -> dict[str, Any]:
    """The statement snapshot (what close_period stores and every format renders)."""
    month = period if isinstance(period, Period) else Period.parse(period)
    moment = now or current_time()
    first = month.shift(-(TREND_MONTHS - 1))
    trend_start, _ = first.bounds(contract.customer.timezone)
    facts = period_facts(contract, month, now=moment, since=trend_start)
    terms = statement_terms(facts)
    return {
        "schema": SCHEMA,
        "contract": _contract(contract, facts),
        "period": str(month),
        "period_start": _iso(facts.start),
        "period_end": _iso(facts.end),
        "cutoff": _iso(facts.cutoff),
        "generated_at": _iso(moment),
        "final": facts.cutoff >= facts.end,
        "tickets": _tickets(contract, facts, terms),
        "compliance": compliance_section(facts.month, terms),
        "availability": _availability(facts),
        "kpis": _kpis(contract, facts),
        "breaches": breaches_section(facts),
        "security": security_section(contract, facts.start, facts.end, facts.cutoff),
        "credits": _credits(facts),
        "hours": _hours(contract, month),
        "trend": _trend(contract, facts, first, month),
        "changes": changes_section(facts),
        "recovery": recovery_section(contract, facts.start, facts.end, facts.cutoff),
        "training": training_section(contract, facts.start, facts.end),
        "satisfaction": satisfaction_section(contract.pk, facts.start, facts.end),
    }


def statement_terms(facts: PeriodFacts) -> Terms:
    """The terms the month's compliance rows show targets of (the version in force at its end)."""
    return terms_for_version(facts.version) if facts.version is not None else default_terms()


def _contract(contract: Contract, facts: PeriodFacts) -> dict[str, Any]:
    return {
        "id": contract.pk,
        "number": contract.number,
        "customer": contract.customer.name,
        "customer_id": contract.customer_id,
        "plan": contract.plan.name,
        "timezone": facts.timezone,
        "currency": contract.fee_currency,
        "fee": format_amount(fee_in_force(contract, facts.period).amount, contract.fee_currency),
        "fee_period": contract.fee_period,
        "monthly_fee": format_amount(monthly_fee(contract, facts.period), contract.fee_currency),
        "term": [contract.start_date.isoformat(), contract.end_date.isoformat()],
    }


def _tickets(contract: Contract, facts: PeriodFacts, terms: Terms) -> dict[str, Any]:
    in_month = Q(opened_at__gte=facts.start, opened_at__lt=facts.end)
    resolved = Q(resolved_at__gte=facts.start, resolved_at__lt=facts.end)
    rows: dict[int, Mapping[str, object]] = {
        r["priority"]: r
        for r in Ticket.objects.filter(contract=contract)
        .filter(in_month | resolved)
        .values("priority")
        .annotate(opened=Count("pk", filter=in_month), resolved=Count("pk", filter=resolved))
    }
    by_priority = [
        {
            "priority": p,
            "name": terms.priority_name(p),
            "opened": rows.get(p, {}).get("opened", 0),
            "resolved": rows.get(p, {}).get("resolved", 0),
        }
        for p in PRIORITIES
    ]
    return {
        "by_priority": by_priority,
        "opened": sum(r["opened"] for r in by_priority),
        "resolved": sum(r["resolved"] for r in by_priority),
    }


def metric_label(metric: str) -> str:
    return label_of(metric)


def compliance_section(month: ClockSet, terms: Terms) -> dict[str, Any]:
    """Met / total, mean and p90 per (metric, priority), per metric and overall
    (statement_rules.compliance: the rule ``servicepact audit verify`` recomputes)."""

    def target_seconds(priority: int, metric: str) -> int | None:
        target = terms.target(priority, metric)
        return None if target is None else target.target_seconds

    clocks = MonthClocks(
        metric=month.metric,
        priority=month.priority,
        breached=month.breached,
        stopped=month.stopped,
        elapsed=month.elapsed,
    )
    names = labels()  # once, not once per row
    category_labels = {str(c.value): str(c.label) for c in Category}
    found = compliance(
        clocks,
        month.metrics,
        metric_label=lambda m: names.get(m, m),
        target_seconds=target_seconds,
    )
    found["by_category"] = compliance_by_category(
        clocks,
        month.category,
        month.metrics,
        CATEGORIES,
        metric_label=lambda m: names.get(m, m),
        category_label=lambda c: category_labels.get(c, c),
    )
    return found


def _availability(facts: PeriodFacts) -> dict[str, Any]:
    result = facts.availability_result
    if result is None:
        return {"measured": False, "note": "availability is not measured (no monitoring)"}
    credited = facts.availability
    return {
        "measured": result.availability_percent is not None,
        "calendar": result.calendar,
        "percent": None
        if result.availability_percent is None
        else str(result.availability_percent),
        "credited_percent": None if credited.percent is None else str(credited.percent),
        "commitment": None if result.commitment_percent is None else str(result.commitment_percent),
        "met": result.met,
        "measured_seconds": result.measured_seconds,
        "unplanned_seconds": result.unplanned_downtime_seconds,
        "planned_seconds": result.planned_downtime_seconds,
        "force_majeure_seconds": credited.force_majeure_seconds,
        "downtime": [
            {
                "asset": s.hostname,
                "start": _iso(s.start),
                "end": _iso(s.end),
                "seconds": s.seconds,
                "planned": s.planned,
                "cause": s.cause,
            }
            for s in result.slices
        ],
    }


def _kpis(contract: Contract, facts: PeriodFacts) -> list[dict[str, Any]]:
    """Other KPI measurements of the month against their commitments (one row per kind)."""
    version = facts.version
    commitments = {
        (k.kind, k.severity): k
        for k in (version.kpis.all() if version is not None else [])
        if k.kind != KpiKind.AVAILABILITY
    }
    rows = (
        measurements_for(contract, facts.start, facts.end)
        .exclude(kind=KpiKind.AVAILABILITY)
        .order_by()
        .values_list("kind", "commitment__severity", "value", "met")
    )
    measured = [
        KpiMeasurement(kind=kind, severity=severity or "", value=Decimal(value), met=met)
        for kind, severity, value, met in rows.iterator()
    ]
    targets = {key: k.target for key, k in commitments.items()}
    return kpi_rows(
        targets,
        measured,
        label=lambda kind: str(KpiKind(kind).label),
        unit=KPI_UNITS.__getitem__,
        unmeasured=UNMEASURED_KPI_KINDS,
    )


def iso_utc(epochs: Any) -> list[str]:
    """``datetime.fromtimestamp(e, UTC).isoformat()`` of whole epoch seconds, all at once."""
    text = np.datetime_as_string(np.asarray(epochs, dtype=np.int64).astype("datetime64[s]"))
    return [t + "+00:00" for t in text.tolist()]


def format_durations(seconds: Any) -> list[str]:
    """``core.time.format_duration`` of many whole seconds, the divisions done by numpy."""
    values = np.asarray(seconds, dtype=np.int64)
    signs = np.where(values < 0, "-", "").tolist()
    days, rest = np.divmod(np.abs(values), 86400)
    hours, rest = np.divmod(rest, 3600)
    minutes, secs = np.divmod(rest, 60)
    return [
        f"{g}{d}d {h}h {m:02d}m"
        if d
        else f"{g}{h}h {m:02d}m"
        if h
        else f"{g}{m}m"
        if m
        else f"{g}{s}s"
        for g, d, h, m, s in zip(
            signs, days.tolist(), hours.tolist(), minutes.tolist(), secs.tolist(), strict=True
        )
    ]


def breaches_section(facts: PeriodFacts) -> list[dict[str, Any]]:
    month = facts.month
    stopped = {
        (int(month.ticket_id[i]), month.metrics[int(month.metric[i])])
        for i in np.flatnonzero(month.breached & month.stopped).tolist()
    }
    # Labels once, not once per breach (translation lookups add up over 10,000s of rows).
    metric_labels = labels()
    category_labels = {str(c.value): str(c.label) for c in Category}
    # ``facts.breaches`` are these rows in this order: instants and durations are formatted
    # from the arrays at once (a 100k-ticket month has thousands of breaches; issue 12).
    rows = breach_rows(month)
    deadlines = iso_utc(month.deadline[rows])
    durations = format_durations(month.elapsed[rows] - month.target[rows])
    out = []
    for b, deadline, breached_by in zip(facts.breaches, deadlines, durations, strict=True):
        category = category_labels.get(b.category, b.category)
        out.append(
            {
                "ticket": b.ticket_number,
                "ticket_id": b.ticket_id,
                "priority": b.priority,
                "metric": b.metric,
                "metric_label": metric_labels.get(b.metric, b.metric),
                "deadline": deadline,
                "breached_by_seconds": b.breached_by_seconds,
                "breached_by": breached_by,
                "stopped": (b.ticket_id, b.metric) in stopped,
                "cause": f"{category}: {b.subject}" if b.subject else "",
                "excluded": b.excluded_because is not None,
                "excluded_because": b.excluded_because or "",
            }
        )
    return out


def credit_decision(credit: PeriodCredit) -> dict[str, Any]:
    """The decision part of a stored credit as the statement shows it. ``amount_due`` is THE
    credit total of every format (HTML, PDF, CSV, JSON): the decided (approved, adjusted,
    applied) amount once a manager decided, else the computed one (``PeriodCredit.amount_due``).
    """
    return {
        "status": credit.status,
        "approved_amount": None
        if credit.approved_amount is None
        else format_amount(credit.approved_amount, credit.currency),
        "amount_due": format_amount(credit.amount_due, credit.currency),
    }


def _credits(facts: PeriodFacts) -> dict[str, Any]:
    """The stored period credit if there is one, else what the rules give now (a preview)."""
    stored = (
        PeriodCredit.objects.filter(contract=facts.contract, period=str(facts.period))
        .prefetch_related("lines")
        .first()
    )
    if stored is not None:
        lines = [
            {
                "rule": x.rule,
                "description": x.description,
                "percent": str(x.percent),
                "amount": format_amount(x.amount, stored.currency),
                "ticket": x.ticket_number,
                "excluded": x.excluded,
                "exclusion_reason": x.exclusion_reason,
            }
            for x in stored.lines.all()
        ]
        return {
            "preview": False,
            "currency": stored.currency,
            "monthly_fee": format_amount(stored.monthly_fee, stored.currency),
            "percent": str(stored.computed_percent),
            "amount": format_amount(stored.computed_amount, stored.currency),
            **credit_decision(stored),
            "claim_deadline": None
            if stored.claim_deadline is None
            else stored.claim_deadline.isoformat(),
            "lines": lines,
        }
    draft = draft_for(facts)
    deadline = claim_deadline(facts)
    currency = facts.contract.fee_currency
    return {
        "preview": True,
        "status": "preview",
        "currency": currency,
        "monthly_fee": format_amount(draft.monthly_fee, currency),
        "percent": str(draft.percent.quantize(TWO)),
        "amount": format_amount(draft.amount, currency),
        "approved_amount": None,
        "amount_due": format_amount(draft.amount, currency),
        "claim_deadline": None if deadline is None else deadline.isoformat(),
        "lines": [
            {
                "rule": x.rule,
                "description": x.description,
                "percent": str(x.percent.quantize(TWO)),
                "amount": format_amount(x.amount, currency),
                "ticket": x.ticket_number,
                "excluded": x.excluded,
                "exclusion_reason": x.exclusion_reason,
            }
            for x in draft.lines
        ],
    }


def _hours(contract: Contract, month: Period) -> dict[str, str]:
    summary = hours_summary(contract, month)
    return {
        "used": str(summary.used),
        "non_billable": str(summary.non_billable),
        "included": str(summary.included),
        "over": str(summary.over),
        "remaining": str(summary.remaining),
    }


def _months_with_lines(contract: Contract, months: list[Period]) -> set[Period]:
    """The months some contract line of the contract covers a day of (one query): the only
    ones whose availability can be measured (monitoring.availability measures the assets of
    the lines covering the month)."""
    if not months:
        return set()
    first, after = min(months).first_day, max(months).shift(1).first_day
    spans = list(
        ContractLine.objects.filter(contract=contract, start_date__lt=after)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=first))
        .values_list("start_date", "end_date")
    )
    return {
        m
        for m in months
        if any(
            begin < m.shift(1).first_day and (end is None or end >= m.first_day)
            for begin, end in spans
        )
    }


def _trend(contract: Contract, facts: PeriodFacts, first: Period, last: Period) -> dict[str, Any]:
    """Compliance and availability for the 12 months ending with this one (as of the cut-off)."""
    months = [first.shift(i) for i in range(TREND_MONTHS)]
    tz = facts.timezone
    edges = np.array(
        [int(m.bounds(tz)[0].timestamp()) for m in months] + [int(facts.end.timestamp())],
        dtype=np.int64,
    )
    clocks = facts.clocks
    decided = clocks.decided
    slot = np.searchsorted(edges, clocks.decided_at, side="right") - 1
    inside = decided & (slot >= 0) & (slot < TREND_MONTHS)
    met = np.bincount(slot[inside & ~clocks.breached], minlength=TREND_MONTHS)
    total = np.bincount(slot[inside], minlength=TREND_MONTHS)
    started = Period(contract.start_date.year, contract.start_date.month)
    # Closed months keep the figure frozen in their statement; only the others are measured.
    # Only that one value of each snapshot is read (as text: a JSON lookup would turn the
    # decimal string "100.0000" into a float on SQLite), not 11 snapshots of every breach.
    frozen = dict(
        Statement.objects.filter(contract=contract, period__in=[str(m) for m in months])
        .annotate(percent=KeyTextTransform("percent", KeyTransform("availability", "snapshot")))
        .values_list("period", "percent")
    )
    measured = _months_with_lines(
        contract, [m for m in months if m != last and m >= started and str(m) not in frozen]
    )
    availability = []
    for m in months:
        if m == last:
            value = facts.availability_result and facts.availability_result.availability_percent
        elif m < started:
            value = None
        elif str(m) in frozen:
            value = frozen[str(m)]
        elif m not in measured:
            # No contract line covers the month: nothing is measured (``measure`` would
            # return no percentage after three queries).
            value = None
        else:
            result = measure(contract, m)
            value = None if result is None else result.availability_percent
        availability.append(None if value is None else str(value))
    commitment = None
    if facts.availability_result is not None and facts.availability_result.commitment_percent:
        commitment = str(facts.availability_result.commitment_percent)
    return {
        "months": [str(m) for m in months],
        "compliance_percent": [percent(int(met[i]), int(total[i])) for i in range(TREND_MONTHS)],
        "decided": [int(t) for t in total],
        "availability_percent": availability,
        "availability_commitment": commitment,
    }
