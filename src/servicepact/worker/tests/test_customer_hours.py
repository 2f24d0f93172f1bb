"""Customer-facing messages respect the contract's calendar; staff messages never wait.

Contract on a business-hours plan (Mon-Fri 09:00-18:00 America/New_York) whose P2 first
response (240 min) is measured around the clock. Opened Friday 2025-06-06 22:00 EDT: the
deadline is Saturday 02:00 EDT and the breach one second later, in the middle of the night.
"""

from __future__ import annotations

import pytest
from django.core import mail

from servicepact.contracts.lifecycle import customer_not_before
from servicepact.notifications.models import Notification
from servicepact.tickets import services as ts
from servicepact.tickets.choices import Category
from servicepact.worker.passes import run_pass

from .conftest import FR, always_open, business_hours, ny, setup_contract, utc

pytestmark = pytest.mark.django_db


def night_setup():
    calendar = business_hours()
    around_the_clock = always_open("P2 around the clock")
    s = setup_contract(
        calendar=calendar, tz="America/New_York", targets={(2, FR): 240, (1, FR): 60}
    )
    s.plan.targets.filter(priority__in=(1, 2), metric=FR).update(calendar=around_the_clock)
    return s


def customer_rows():
    return Notification.objects.filter(recipient="it@acme.test")


def test_breach_at_night_reaches_the_customer_when_the_calendar_opens(clock):
    """The breach at Sat 02:00:01 EDT is e-mailed to staff at once; the customer's e-mail waits
    with not_before = Monday 09:00 EDT, is not sent by passes on Saturday or at 08:59:59 on
    Monday, and is sent once by the pass at 09:00."""
    clock.at(ny(2025, 6, 6, 12))
    s = night_setup()
    clock.at(ny(2025, 6, 6, 22))
    ticket = ts.open_ticket(
        customer=s.customer,
        contact=s.contact,
        subject="VPN down",
        impact=2,
        urgency=2,
        category=Category.NETWORK,
    )
    assert ticket.priority == 2
    ts.assign_ticket(ticket=ticket, actor=s.agent, assignee=s.agent)

    clock.at(ny(2025, 6, 7, 2, 0, 1))
    run_pass()
    row = customer_rows().get()
    assert (row.status, row.not_before, row.next_attempt_at) == (
        "pending",
        ny(2025, 6, 9, 9),
        ny(2025, 6, 9, 9),
    )
    staff_mail = sorted(m.to[0] for m in mail.outbox)
    assert "it@acme.test" not in staff_mail
    assert "acme-manager@provider.test" in staff_mail

    for instant in (ny(2025, 6, 7, 3), ny(2025, 6, 8, 12), ny(2025, 6, 9, 8, 59, 59)):
        clock.at(instant)
        run_pass()
        assert customer_rows().get().status == "pending"
    assert not [m for m in mail.outbox if m.to == ["it@acme.test"]]

    clock.at(ny(2025, 6, 9, 9))
    run_pass()
    clock.at(ny(2025, 6, 9, 9, 5))
    run_pass()
    row = customer_rows().get()
    assert (row.status, row.sent_at, row.attempts) == ("sent", ny(2025, 6, 9, 9), 1)
    assert len([m for m in mail.outbox if m.to == ["it@acme.test"]]) == 1


def test_p1_waits_too_when_the_contract_is_not_24x7(clock):
    """The "P1 goes out at once" rule belongs to 24x7 contracts: on a business-hours contract
    a P1 message to the customer at Saturday 03:00 waits for Monday 09:00 like any other."""
    clock.at(ny(2025, 6, 6, 12))
    s = night_setup()
    assert customer_not_before(contract=s.contract, now=ny(2025, 6, 7, 3), priority=1) == ny(
        2025, 6, 9, 9
    )
    assert customer_not_before(contract=s.contract, now=ny(2025, 6, 9, 10), priority=1) is None


def test_24x7_contract_sends_at_once(clock):
    """An always-open contract calendar never holds a customer message back, P1 or not."""
    clock.at(utc(2025, 6, 1, 1))
    s = setup_contract()
    assert customer_not_before(contract=s.contract, now=utc(2025, 6, 1, 3), priority=1) is None
    assert customer_not_before(contract=s.contract, now=utc(2025, 6, 1, 3), priority=3) is None
