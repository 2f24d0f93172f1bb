"""The dashboard's frozen days: the same figures as the full computation, bounded queries."""

from __future__ import annotations

from datetime import UTC, date, timedelta
from io import StringIO

import numpy as np
import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import F, Sum
from django.test.utils import CaptureQueriesContext

from servicepact.billing.clockdata import METRICS, load_clocks
from servicepact.billing.periods import Period
from servicepact.billing.testing import june_month, ny
from servicepact.core.errors import TransitionError
from servicepact.reports.daily import Tally
from servicepact.reports.dashboard import portfolio
from servicepact.reports.jobs import aggregate_due_days, due_days
from servicepact.reports.models import AggregatedDay, DailyAggregate, MonthToDate
from servicepact.reports.services import aggregate_day, store_month_to_date

pytestmark = pytest.mark.django_db


def _oracle(moment):
    """The dashboard's figures as computed before the aggregates: every clock of the month
    decided as of ``moment``, from the raw clocks."""
    start, _ = Period.containing(moment, "UTC").bounds("UTC")
    clocks = load_clocks(since=start, cutoff=moment)
    month = clocks.take(clocks.decided_between(start, moment + timedelta(seconds=1)))
    total, breached = len(month), int(month.breached.sum())
    matrix = {m: [0, 0, 0, 0] for m in METRICS}
    for i in np.flatnonzero(month.breached).tolist():
        matrix[METRICS[month.metric[i]]][month.priority[i] - 1] += 1
    return (total - breached, breached, total), matrix


def _figures(d):
    o = d["overall"]
    return (o["met"], o["breached"], o["total"]), {
        b["metric"]: b["by_priority"] for b in d["breaches"]
    }


def _freeze(first: date, last: date, moment) -> None:
    day = first
    while day <= last:
        aggregate_day(day=day, now=moment)
        day += timedelta(days=1)


@pytest.mark.parametrize(
    "moment",
    [ny(2025, 6, 4, 12), ny(2025, 6, 13, 8), ny(2025, 6, 30, 19)],
    ids=["day-4", "day-13", "day-30"],
)
def test_frozen_days_give_the_full_computation(clock, settings, moment):
    """Every closed day frozen, some frozen, none: the dashboard equals the full
    computation from the raw clocks (the oracle) at several moments of a busy month."""
    settings.TIME_ZONE = "UTC"
    june_month(clock)
    expected = _oracle(moment)
    assert expected[0][2] > 0  # decided clocks exist at each moment
    assert _figures(portfolio(now=moment)) == expected  # nothing frozen: all live
    today = moment.astimezone(UTC).date()
    _freeze(date(2025, 6, 1), today - timedelta(days=2), moment)  # a gap: yesterday live
    assert _figures(portfolio(now=moment)) == expected
    _freeze(today - timedelta(days=1), today - timedelta(days=1), moment)
    assert AggregatedDay.objects.filter(day__lt=today).count() == today.day - 1
    assert _figures(portfolio(now=moment)) == expected


def test_closed_days_are_read_from_the_aggregates(clock, settings):
    """A frozen day is not recomputed: a changed aggregate row shows on the dashboard. With
    the month-to-date sums stored, those are what is read (a changed sum shows); without
    them, the days' rows are added up (a changed day row shows)."""
    settings.TIME_ZONE = "UTC"
    june_month(clock)
    moment = ny(2025, 6, 30, 19)
    _freeze(date(2025, 6, 1), date(2025, 6, 29), moment)
    before = portfolio(now=moment)["overall"]
    total = MonthToDate.objects.filter(day=date(2025, 6, 29), breached=0).order_by("pk").first()
    MonthToDate.objects.filter(pk=total.pk).update(decided=total.decided + 50)
    after = portfolio(now=moment)["overall"]
    assert (after["met"], after["total"]) == (before["met"] + 50, before["total"] + 50)
    AggregatedDay.objects.update(month_to_date=False)
    row = DailyAggregate.objects.filter(breached=0).order_by("day", "pk").first()
    DailyAggregate.objects.filter(pk=row.pk).update(decided=row.decided + 100)
    after = portfolio(now=moment)["overall"]
    assert (after["met"], after["total"]) == (before["met"] + 100, before["total"] + 100)


def _days_summed(first: date, last: date) -> list[tuple[int, str, int, int, int]]:
    """The month to date as the dashboard added it up before the stored sums."""
    return sorted(
        Tally.of_rows(
            DailyAggregate.objects.filter(day__gte=first, day__lte=last)
            .order_by()
            .values("contract_id", "metric", "priority")
            .annotate(d=Sum("decided"), b=Sum("breached"))
            .values_list("contract_id", "metric", "priority", "d", "b")
        ).rows()
    )


def _stored_sums(day: date) -> list[tuple[int, str, int, int, int]]:
    return sorted(
        Tally.of_rows(
            MonthToDate.objects.filter(day=day).values_list(
                "contract_id", "metric", "priority", "decided", "breached"
            )
        ).rows()
    )


def test_month_to_date_sums_equal_the_days_in_any_freezing_order(clock, settings):
    """Days frozen out of order, with gaps, and frozen again after the clocks changed: the
    stored sums of a day exist exactly when every day of the month up to it is frozen, and
    then equal the days' rows added up; the dashboard equals the full computation at every
    step (the oracle)."""
    settings.TIME_ZONE = "UTC"
    june_month(clock)
    moment = ny(2025, 6, 30, 19)
    expected = _oracle(moment)
    first = date(2025, 6, 1)
    order = [date(2025, 6, d) for d in (3, 1, 2, 7, 5, 4, 6, 2, 9, 10, 8, 29, 1, 12, 11)]
    for day in order:
        aggregate_day(day=day, now=moment)
        frozen = set(AggregatedDay.objects.values_list("day", flat=True))
        with_sums = set(
            AggregatedDay.objects.filter(month_to_date=True).values_list("day", flat=True)
        )
        contiguous = set()
        current = first
        while current in frozen:
            contiguous.add(current)
            current += timedelta(days=1)
        assert with_sums == contiguous, day
        for d in with_sums:
            assert _stored_sums(d) == _days_summed(first, d), (day, d)
        assert not MonthToDate.objects.exclude(day__in=with_sums).exists()
        assert _figures(portfolio(now=moment)) == expected, day


def test_refreezing_a_day_updates_the_later_sums(clock, settings):
    """Negative case: a day's rows replaced (as a recomputation after a change does) must
    not leave the later days' sums as they were."""
    settings.TIME_ZONE = "UTC"
    june_month(clock)
    moment = ny(2025, 6, 30, 19)
    _freeze(date(2025, 6, 1), date(2025, 6, 10), moment)
    before = _stored_sums(date(2025, 6, 10))
    DailyAggregate.objects.filter(day=date(2025, 6, 3)).update(decided=F("decided") + 7)
    changed = DailyAggregate.objects.filter(day=date(2025, 6, 3)).count()
    assert changed > 0
    assert _stored_sums(date(2025, 6, 10)) == before  # a raw update bypasses the service
    store_month_to_date(date(2025, 6, 3))  # what aggregate_day does after its rows
    after = _stored_sums(date(2025, 6, 10))
    assert after == _days_summed(date(2025, 6, 1), date(2025, 6, 10)) != before
    assert sum(r[3] for r in after) == sum(r[3] for r in before) + 7 * changed
    assert _stored_sums(date(2025, 6, 2)) == _days_summed(date(2025, 6, 1), date(2025, 6, 2))


def test_recomputing_a_day_replaces_its_rows(clock, settings):
    settings.TIME_ZONE = "UTC"
    june_month(clock)
    moment = ny(2025, 6, 30, 19)
    day = date(2025, 6, 2)
    first = aggregate_day(day=day, now=moment)
    rows = sorted(
        DailyAggregate.objects.filter(day=day).values_list(
            "contract_id", "metric", "priority", "decided", "breached"
        )
    )
    assert first == len(rows) > 0
    assert sum(r[3] for r in rows) > 0
    assert aggregate_day(day=day, now=moment) == first
    again = sorted(
        DailyAggregate.objects.filter(day=day).values_list(
            "contract_id", "metric", "priority", "decided", "breached"
        )
    )
    assert again == rows
    assert AggregatedDay.objects.filter(day=day).count() == 1


def test_a_day_that_is_not_over_is_refused(clock, settings):
    settings.TIME_ZONE = "UTC"
    june_month(clock)
    with pytest.raises(TransitionError):
        aggregate_day(day=date(2025, 6, 30), now=ny(2025, 6, 30, 19))
    assert not AggregatedDay.objects.exists()


def test_the_worker_freezes_due_days_a_week_per_pass(clock, settings):
    settings.TIME_ZONE = "UTC"
    june_month(clock)
    moment = ny(2025, 6, 30, 19)
    assert len(due_days(moment, lookback_days=10)) == 10
    assert aggregate_due_days(moment, limit=7) == 7
    frozen = sorted(AggregatedDay.objects.values_list("day", flat=True))
    assert frozen[0] == date(2025, 5, 21)  # oldest first (40 days back)
    assert len(frozen) == 7
    while aggregate_due_days(moment, limit=7):
        pass
    assert AggregatedDay.objects.count() == 40
    assert due_days(moment) == []
    assert aggregate_due_days(moment) == 0


def test_dashboard_queries_do_not_grow_with_frozen_days(clock, settings):
    settings.TIME_ZONE = "UTC"
    june_month(clock)
    counts = []
    for frozen_until in (date(2025, 6, 5), date(2025, 6, 29)):
        AggregatedDay.objects.all().delete()
        DailyAggregate.objects.all().delete()
        moment = ny(2025, 6, 30, 19)
        _freeze(date(2025, 6, 1), frozen_until, moment)
        AggregatedDay.objects.filter(day__gt=frozen_until).delete()
        _freeze(frozen_until + timedelta(days=1), date(2025, 6, 29), moment)
        with CaptureQueriesContext(connection) as queries:
            portfolio(now=moment)
        counts.append(len(queries))
    assert counts[0] == counts[1]
    assert counts[0] <= 25


def test_backfill_command(clock, settings):
    settings.TIME_ZONE = "UTC"
    june_month(clock)  # time is left at 1 Jul 2025 12:00 NY
    out = StringIO()
    call_command("dashboard_backfill", "--days", "5", stdout=out)
    assert sorted(AggregatedDay.objects.values_list("day", flat=True)) == [
        date(2025, 6, d) for d in range(26, 31)
    ]
    assert out.getvalue().startswith("5 days frozen")
    with pytest.raises(CommandError, match="--days"):
        call_command("dashboard_backfill", "--days", "0")
