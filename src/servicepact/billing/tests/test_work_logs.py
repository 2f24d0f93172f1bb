"""Work logs and hours used vs included."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from servicepact.billing.selectors import hours_summary, hours_used
from servicepact.billing.services import log_work
from servicepact.billing.testing import ny
from servicepact.contracts.models import Contract
from servicepact.core.errors import DomainValidationError
from servicepact.tickets import services as ts
from servicepact.tickets.testing import Clock, world

pytestmark = pytest.mark.django_db

D = Decimal


def test_hours_used_counts_billable_minutes_of_the_contracts_tickets_in_the_month(clock: Clock):
    """June: 90 + 45 billable minutes (2.25 h) and 30 non-billable (0.50 h). A log on 1 Jul and
    one on another contract's ticket do not count. Included 30 h a quarter = 10 h a month."""
    clock.at(ny(2025, 7, 2, 9))
    w = world()
    other = world(code="beta")
    Contract.objects.filter(pk=w.contract.pk).update(included_hours=D("30"), fee_period="quarterly")
    t = ts.open_ticket(customer=w.customer, subject="Disk", opened_at=ny(2025, 6, 2, 10))
    u = ts.open_ticket(customer=other.customer, subject="Fan", opened_at=ny(2025, 6, 2, 10))
    log_work(ticket=t, user=w.agent, minutes=90, day=date(2025, 6, 2))
    log_work(ticket=t, user=w.agent, minutes=45, day=date(2025, 6, 30))
    log_work(ticket=t, user=w.agent, minutes=30, day=date(2025, 6, 3), billable=False)
    log_work(ticket=t, user=w.agent, minutes=600, day=date(2025, 7, 1))
    log_work(ticket=u, user=other.agent, minutes=120, day=date(2025, 6, 2))
    contract = Contract.objects.get(pk=w.contract.pk)
    assert hours_used(contract, "2025-06") == D("2.25")
    summary = hours_summary(contract, "2025-06")
    assert (summary.used, summary.non_billable, summary.included, summary.remaining) == (
        D("2.25"),
        D("0.50"),
        D("10.00"),
        D("7.75"),
    )
    assert hours_summary(contract, "2025-07").over == D("0.00")


def test_log_work_validates_minutes_user_and_date(clock: Clock):
    """0 minutes, a customer user and a date in the future are refused, naming the fields."""
    clock.at(ny(2025, 6, 2, 12))
    w = world()
    t = ts.open_ticket(customer=w.customer, subject="Disk")
    with pytest.raises(DomainValidationError) as error:
        log_work(ticket=t, user=w.contact.user, minutes=0, day=date(2025, 6, 3))
    assert set(error.value.errors) == {"minutes", "user", "date"}
    assert not t.work_logs.exists()
