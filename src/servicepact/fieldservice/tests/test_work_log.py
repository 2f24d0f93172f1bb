"""The departure logs the on-site time (arrival -> departure, whole minutes) as one
billable on-site work log of the engineer, through billing's own service."""

from __future__ import annotations

from datetime import date

import pytest

from servicepact.billing.choices import WorkType
from servicepact.billing.models import WorkLog
from servicepact.core.errors import DomainValidationError
from servicepact.fieldservice import services
from servicepact.fieldservice.choices import WorkOrderStatus
from servicepact.fieldservice.models import WorkOrder

from .conftest import ny, p1_ticket, visit

pytestmark = pytest.mark.django_db


def arrived(acme, erin, clock, at):
    clock.at(ny(2025, 6, 9, 9))
    order = visit(acme, p1_ticket(acme), erin, ny(2025, 6, 9, 11))
    clock.at(at)
    return services.record_arrival(work_order=order, actor=acme.agent)


def test_departure_logs_the_exact_whole_minutes_on_site(acme, erin, clock):
    """Arrived 10:17:30, departed 11:48:10 EDT: 1 h 30 min 40 s on site = 90 whole minutes
    (the 40 s are dropped), one on-site billable log of Erin starting 10:17:30, dated
    2025-06-09, inside coverage hours (0 minutes out of hours)."""
    order = arrived(acme, erin, clock, ny(2025, 6, 9, 10, 17, 30))
    clock.at(ny(2025, 6, 9, 12))
    done = services.record_departure(
        work_order=order, actor=acme.agent, at=ny(2025, 6, 9, 11, 48, 10), work_done="Disk swapped"
    )
    log = WorkLog.objects.get()
    assert done.work_log_id == log.pk and done.on_site_minutes == 90
    assert (log.minutes, log.work_type, log.billable) == (90, WorkType.ON_SITE, True)
    assert (log.user, log.started_at, log.date) == (
        erin.user,
        ny(2025, 6, 9, 10, 17, 30),
        date(2025, 6, 9),
    )
    assert log.out_of_hours_minutes == 0
    assert done.work_done == "Disk swapped" and done.status == WorkOrderStatus.DONE


def test_out_of_hours_visit_minutes_are_counted_by_billing(acme, erin, clock):
    """Arrived 17:30, departed 18:45 EDT (coverage ends 18:00): 75 minutes, 45 of them out of
    hours — billing's engine decides, the work order only passes the start."""
    order = arrived(acme, erin, clock, ny(2025, 6, 9, 17, 30))
    clock.at(ny(2025, 6, 9, 18, 45))
    services.record_departure(work_order=order, actor=acme.agent)
    log = WorkLog.objects.get()
    assert (log.minutes, log.out_of_hours_minutes) == (75, 45)


def test_under_a_minute_or_without_log_time_logs_nothing(acme, erin, clock):
    order = arrived(acme, erin, clock, ny(2025, 6, 9, 10))
    clock.at(ny(2025, 6, 9, 10, 0, 59))
    done = services.record_departure(work_order=order, actor=acme.agent)
    assert done.on_site_minutes == 0 and done.work_log_id is None
    clock.at(ny(2025, 6, 9, 13))
    second = visit(acme, done.ticket, erin, ny(2025, 6, 9, 14))
    services.record_arrival(work_order=second, actor=acme.agent, at=ny(2025, 6, 9, 13))
    clock.at(ny(2025, 6, 9, 15))
    services.record_departure(work_order=second, actor=acme.agent, log_time=False)
    assert not WorkLog.objects.exists()


def test_a_visit_over_a_day_is_refused_whole(acme, erin, clock):
    """Departure 24 h 1 min after arrival: 422 on at; the work order stays on site, no log."""
    order = arrived(acme, erin, clock, ny(2025, 6, 9, 10))
    clock.at(ny(2025, 6, 10, 11))
    with pytest.raises(DomainValidationError) as refused:
        services.record_departure(work_order=order, actor=acme.agent, at=ny(2025, 6, 10, 10, 1))
    assert set(refused.value.errors) == {"at"}
    assert WorkOrder.objects.get(pk=order.pk).status == WorkOrderStatus.ON_SITE
    assert not WorkLog.objects.exists()
