"""The provider's portfolio dashboard: compliance, breaches, risk, credits, renewals.

Compliance and breaches cover the current month to date in the provider's time zone
(settings.TIME_ZONE): every contract's clocks decided since the 1st. Closed days come from
the worker's frozen DailyAggregate rows (reports/daily.py); only today (and any closed day
not frozen yet) is live. On the page the live part is counted from the clocks' stored
snapshots, with the bulk engine only for the clocks whose snapshot can lag
(``reports.today``); an explicit ``now`` (tests of the figures, past instants) puts every
candidate clock through the engine, with equal figures. At-risk clocks, credits and
renewals are SQL.

The live part is reused within the minute (``reports.live_cache.per_minute``); the dashboard has
one scope (staff see the whole portfolio).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import numpy as np
from django.conf import settings
from django.db import connections, transaction
from django.db.models import Count, DecimalField, Q, Sum
from django.db.models.functions import Coalesce

from servicepact.aftercare.csat import recent_csat
from servicepact.billing.choices import CreditStatus
from servicepact.billing.clockdata import unique_ints
from servicepact.billing.models import PeriodCredit
from servicepact.billing.periods import Period
from servicepact.contracts.choices import ContractStatus
from servicepact.contracts.metrics import labels
from servicepact.contracts.models import Contract
from servicepact.core.money import quantize
from servicepact.core.time import local_date, local_midnight
from servicepact.core.time import now as current_time
from servicepact.reports.charts import SERIES_COLOURS, Point, bar_chart, stacked_bars
from servicepact.reports.daily import Tally, decided_tally
from servicepact.reports.live_cache import per_minute
from servicepact.reports.models import AggregatedDay, DailyAggregate, MonthToDate
from servicepact.reports.statement import percent
from servicepact.reports.today import decided_since
from servicepact.tickets.choices import ClockState
from servicepact.tickets.models import SlaClock

AT_RISK_WITHIN = timedelta(hours=4)
AT_RISK_LIST = 25
RENEWAL_DAYS = 90


def _groups(tally: Tally, key_of_contract: dict[int, str]) -> list[dict[str, Any]]:
    """met / breached / % per group (customer or plan), worst compliance first."""
    if len(tally) == 0:
        return []
    names = sorted(set(key_of_contract.values()))
    position = {name: i for i, name in enumerate(names)}
    ids = np.array(sorted(key_of_contract), dtype=np.int64)
    group_of_id = np.array([position[key_of_contract[int(i)]] for i in ids], dtype=np.int64)
    inverse = group_of_id[np.searchsorted(ids, tally.contract_id)]  # every contract is known
    total = np.bincount(inverse, weights=tally.decided, minlength=len(names)).astype(int)
    breached = np.bincount(inverse, weights=tally.breached, minlength=len(names)).astype(int)
    rows = [
        {
            "name": name,
            "met": int(total[i] - breached[i]),
            "breached": int(breached[i]),
            "total": int(total[i]),
            "percent": percent(int(total[i] - breached[i]), int(total[i])),
        }
        for i, name in enumerate(names)
        if total[i]
    ]
    return sorted(rows, key=lambda r: (Decimal(r["percent"] or "100"), r["name"]))


def _breach_matrix(tally: Tally) -> list[dict[str, Any]]:
    names = labels()  # code -> name, in the order of the tally's metric index
    cells = np.zeros((len(names), 4), dtype=np.int64)
    np.add.at(cells, (tally.metric, tally.priority - 1), tally.breached)
    return [
        {"metric": m, "label": label, "by_priority": [int(v) for v in cells[i]]}
        for i, (m, label) in enumerate(names.items())
    ]


def month_tally(
    moment: datetime, zone: str, *, reuse: bool = False, snapshots: bool = False
) -> Tally:
    """The month to date's decided clocks: closed days from their frozen aggregates, the
    rest (today, and any closed day the worker has not reached yet) from the clocks (with
    ``reuse``, the live part is reused within the minute: ``reports.live_cache``; with
    ``snapshots``, from their stored snapshots where those cannot lag: ``reports.today``,
    for ``moment`` = now only)."""
    month = Period.containing(moment, zone)
    start, _ = month.bounds(zone)
    first, today = local_date(start, zone), local_date(moment, zone)
    closed = [first + timedelta(days=n) for n in range((today - first).days)]
    frozen = dict(
        AggregatedDay.objects.filter(day__gte=first, day__lt=today).values_list(
            "day", "month_to_date"
        )
    )
    live_from = next((d for d in closed if d not in frozen), today)
    last = live_from - timedelta(days=1)
    rows: Iterable[tuple[int, str, int, int, int]]
    if live_from > first and frozen[last]:
        # The sums through the last frozen day, stored with its freeze: one row per
        # contract, metric and priority instead of one per day as well.
        rows = MonthToDate.objects.filter(day=last).values_list(
            "contract_id", "metric", "priority", "decided", "breached"
        )
    else:
        rows = (
            DailyAggregate.objects.filter(day__gte=first, day__lt=live_from)
            .order_by()
            .values("contract_id", "metric", "priority")
            .annotate(d=Sum("decided"), b=Sum("breached"))
            .values_list("contract_id", "metric", "priority", "d", "b")
        )
    stored = Tally.of_rows(rows)
    since = max(start, local_midnight(live_from, zone))

    def live() -> Tally:
        if snapshots:
            return decided_since(since, moment)
        return decided_tally(since, moment + timedelta(seconds=1), cutoff=moment)

    if not reuse:
        return stored + live()
    return stored + per_minute("dashboard-live", (zone, since.isoformat()), moment, live)


@contextmanager
def _serial(using: str) -> Iterator[None]:
    """Queries inside run without parallel workers (PostgreSQL; a no-op elsewhere): for a
    few hundred index probes, starting a worker costs more than the work."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        yield
        return
    with transaction.atomic(using=using), connection.cursor() as cursor:
        cursor.execute("SET LOCAL max_parallel_workers_per_gather = 0")
        yield


def _at_risk(now: datetime) -> dict[str, Any]:
    """Running clocks whose deadline is past or within the next 4 hours (stored snapshots)."""
    qs = SlaClock.objects.filter(
        state=ClockState.RUNNING,
        deadline_at__isnull=False,
        deadline_at__lte=now + AT_RISK_WITHIN,
        ticket__contract__isnull=False,
    )
    rows = (
        qs.select_related("ticket", "ticket__customer")
        .order_by("deadline_at", "pk")
        .only(
            "metric", "priority", "deadline_at", "target_seconds",
            "ticket__number", "ticket__subject", "ticket__customer__name",
        )[:AT_RISK_LIST]
    )  # fmt: skip
    names = labels()
    # Both counts in one pass over the index range, without a parallel plan: at 1M tickets
    # the planner chose one for ~750 clocks (14 ms, 6 ms serial; each count had its own).
    with _serial(qs.db):
        counts = qs.order_by().aggregate(
            count=Count("pk"), overdue=Count("pk", filter=Q(deadline_at__lte=now))
        )
    return {
        "count": counts["count"],
        "overdue": counts["overdue"],
        "rows": [
            {
                "ticket": c.ticket.number,
                "ticket_id": c.ticket_id,
                "customer": c.ticket.customer.name,
                "subject": c.ticket.subject,
                "metric": names.get(c.metric, c.metric),
                "priority": c.priority,
                "deadline": c.deadline_at,
                "minutes_left": int((c.deadline_at - now).total_seconds() // 60),
            }
            for c in rows
            if c.deadline_at is not None  # the query asks for a deadline; this tells mypy
        ],
    }


def _credits(period: Period) -> dict[str, Any]:
    """Credits of the last closed month that are not applied yet, by currency."""
    open_credits = PeriodCredit.objects.filter(
        period=str(period),
        status__in=[CreditStatus.COMPUTED, CreditStatus.APPROVED, CreditStatus.ADJUSTED],
    )
    due = Coalesce("approved_amount", "computed_amount", output_field=DecimalField())
    totals = (
        open_credits.order_by()
        .values("currency")
        .annotate(amount=Sum(due), contracts=Count("pk"))
        .order_by("currency")
    )
    top = (
        open_credits.annotate(due=due)
        .filter(due__gt=0)
        .select_related("contract", "contract__customer")
        .order_by("-due", "contract__number")[:10]
    )
    return {
        "period": str(period),
        "totals": [
            {
                "currency": t["currency"],
                "amount": quantize(t["amount"], t["currency"]),
                "contracts": t["contracts"],
            }
            for t in totals
        ],
        "rows": [
            {
                "contract": c.contract.number,
                "customer": c.contract.customer.name,
                "status": c.get_status_display(),
                "amount": quantize(c.due, c.currency),
                "currency": c.currency,
            }
            for c in top
        ],
    }


def _renewals(today: Any) -> list[dict[str, Any]]:
    """Contracts ending in the next 90 days, and those already in grace (ended, still served
    under their terms): the ones most urgently needing a renewal talk come first."""
    rows = (
        # Active or in grace by the stored status (ended ones are few: the lifecycle job
        # moves them on); the dates then decide, as the job will.
        Contract.objects.filter(
            end_date__lte=today + timedelta(days=RENEWAL_DAYS),
            status__in=[ContractStatus.ACTIVE, ContractStatus.GRACE],
        )
        .select_related("customer", "plan")
        .order_by("end_date", "number")
    )
    out = []
    for c in rows:
        status = c.status_on(today)  # the stored status may lag the nightly job by a day
        if status not in (ContractStatus.ACTIVE, ContractStatus.GRACE):
            continue
        out.append(
            {
                "contract": c.number,
                "contract_id": c.pk,
                "customer": c.customer.name,
                "plan": c.plan.name,
                "end_date": c.end_date,
                "days_left": (c.end_date - today).days,
                "in_grace": status == ContractStatus.GRACE,
                "grace_until": c.end_date + timedelta(days=c.grace_days),
                "renewal": c.get_renewal_display(),
                "notice_by": c.end_date - timedelta(days=c.notice_days),
            }
        )
    return out


def portfolio(now: datetime | None = None) -> dict[str, Any]:
    """The dashboard's figures as of ``now``; without it (the page), as of now with today's
    live part reused within the minute (``reports.live_cache``)."""
    moment = now or current_time()
    zone = settings.TIME_ZONE
    month = Period.containing(moment, zone)
    tally = month_tally(moment, zone, reuse=now is None, snapshots=now is None)
    contracts = {
        c["pk"]: c
        for c in Contract.objects.filter(pk__in=unique_ints(tally.contract_id).tolist()).values(
            "pk", "customer__name", "plan__name"
        )
    }
    by_customer = _groups(tally, {k: v["customer__name"] for k, v in contracts.items()})
    by_plan = _groups(tally, {k: v["plan__name"] for k, v in contracts.items()})
    total = int(tally.decided.sum())
    met = total - int(tally.breached.sum())
    data = {
        "now": moment,
        "zone": zone,
        "month": str(month),
        "overall": {"met": met, "breached": total - met, "total": total,
                    "percent": percent(met, total)},
        "by_customer": by_customer,
        "by_plan": by_plan,
        "breaches": _breach_matrix(tally),
        "at_risk": _at_risk(moment),
        "credits": _credits(month.shift(-1)),
        "renewals": _renewals(local_date(moment, zone)),
        "satisfaction": recent_csat(moment),
    }  # fmt: skip
    data["charts"] = _charts(data)
    return data


def _charts(data: dict[str, Any]) -> dict[str, Any]:
    def compliance(rows: list[dict[str, Any]], title: str) -> Any:
        points = [
            Point(r["name"], None if r["percent"] is None else Decimal(r["percent"]))
            for r in rows[:20]
        ]
        return bar_chart(points, title=title, y_max=100, unit="%")

    groups = [f"P{p}" for p in (1, 2, 3, 4)]
    # Every metric with a breach is a series with a legend entry (colours stay per metric).
    series = [
        (row["label"], SERIES_COLOURS[i % len(SERIES_COLOURS)], row["by_priority"])
        for i, row in enumerate(data["breaches"])
        if any(row["by_priority"])
    ]
    return {
        "by_customer": compliance(data["by_customer"], "Compliance by customer, month to date"),
        "by_plan": compliance(data["by_plan"], "Compliance by plan, month to date"),
        "breaches": stacked_bars(groups, series, title="Breaches by priority and metric"),
    }
