"""A contract's compliance in the current period (the calendar month in the customer's zone).

Counted in the database: one aggregate query over the SLA clocks of the contract's tickets
opened this month, grouped by metric. A running clock past its deadline counts as breached
already (the worker may not have looked at it yet); running clocks before their deadline are
still open and count in neither column.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import Count, Q

from servicepact.contracts.choices import Metric
from servicepact.contracts.models import Contract
from servicepact.contracts.terms import METRIC_ORDER
from servicepact.core.time import local_date, local_midnight
from servicepact.tickets.choices import ClockState
from servicepact.tickets.models import SlaClock


@dataclass(frozen=True)
class MetricCompliance:
    metric: str
    total: int
    met: int
    breached: int

    @property
    def label(self) -> str:
        return str(Metric(self.metric).label)

    @property
    def decided(self) -> int:
        return self.met + self.breached

    @property
    def open(self) -> int:
        return self.total - self.decided

    @property
    def percent(self) -> float | None:
        return round(100 * self.met / self.decided, 1) if self.decided else None


@dataclass(frozen=True)
class Period:
    first: date
    start: datetime
    end: datetime


def current_period(tz: str, now: datetime) -> Period:
    """The calendar month containing ``now`` in ``tz``, as [start, end) instants."""
    today = local_date(now, tz)
    first = today.replace(day=1)
    following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return Period(first, local_midnight(first, tz), local_midnight(following, tz))


def contract_compliance(contract: Contract, now: datetime) -> tuple[Period, list[MetricCompliance]]:
    period = current_period(contract.customer.timezone, now)
    overdue = Q(stopped_at__isnull=True, deadline_at__lte=now)
    rows = (
        SlaClock.objects.filter(
            ticket__contract=contract,
            ticket__opened_at__gte=period.start,
            ticket__opened_at__lt=period.end,
        )
        .exclude(state=ClockState.NOT_REQUIRED)  # no visit was needed: not in compliance
        .values("metric")
        .annotate(
            total=Count("id"),
            met=Count("id", filter=Q(state=ClockState.MET)),
            breached=Count("id", filter=Q(state=ClockState.BREACHED) | overdue),
        )
    )
    found = {r["metric"]: r for r in rows}
    return period, [
        MetricCompliance(m, found[m]["total"], found[m]["met"], found[m]["breached"])
        for m in METRIC_ORDER
        if m in found
    ]
