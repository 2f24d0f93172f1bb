"""A P1 on a 24x7 contract crosses each escalation threshold of the default policy.

Opened Sunday 2025-06-01 02:00 UTC; first response 60 min, resolution 480 min, always open:
first response 50 % at 02:30, 75 % at 02:45, 90 % at 02:54, 100 % (breach) at 03:00.
Default steps: 50 % the assignee; 75 % + the team; 90 % + the service manager; 100 % + the
customer contact — who, on a 24x7 contract, gets a P1 message at 3 a.m. at once. The breach
is one second after the deadline (a clock stopped exactly on its deadline is met).
"""

from __future__ import annotations

import pytest
from django.core import mail

from servicepact.contracts.choices import Metric
from servicepact.notifications.models import Notification
from servicepact.tickets import services as ts
from servicepact.tickets.choices import Category, EventKind
from servicepact.tickets.models import SlaClock
from servicepact.worker.passes import run_pass

from .conftest import setup_contract, utc

pytestmark = pytest.mark.django_db


def rows_for(percent: int) -> set[tuple[str, str]]:
    return set(
        Notification.objects.filter(
            idempotency_key__startswith="esc:",
            payload__percent=percent,
            payload__metric=Metric.FIRST_RESPONSE,
        ).values_list("channel", "recipient")
    )


def test_p1_on_24x7_crosses_each_threshold_once(clock):
    """Each pass at a threshold instant records one threshold_crossed event at that instant,
    moves next_check_at to the next threshold and notifies exactly the step's recipients;
    a pass between thresholds does nothing; the breach e-mail reaches the customer at 03:00."""
    clock.at(utc(2025, 6, 1, 1))
    s = setup_contract()
    clock.at(utc(2025, 6, 1, 2))
    ticket = ts.open_ticket(
        customer=s.customer,
        contact=s.contact,
        subject="Router down",
        impact=1,
        urgency=1,
        category=Category.NETWORK,
    )
    assert ticket.priority == 1
    ts.assign_ticket(ticket=ticket, actor=s.agent, assignee=s.agent, team=s.team)
    fr = SlaClock.objects.get(ticket=ticket, metric=Metric.FIRST_RESPONSE)
    assert fr.next_check_at == utc(2025, 6, 1, 2, 30)

    clock.at(utc(2025, 6, 1, 2, 29, 59))
    report = run_pass()
    assert (report.clocks.thresholds, Notification.objects.count()) == (0, 0)

    clock.at(utc(2025, 6, 1, 2, 30))
    report = run_pass()
    assert report.clocks.thresholds == 1
    assert rows_for(50) == {("in_app", "acme-agent"), ("email", "acme-agent@provider.test")}
    fr.refresh_from_db()
    assert (fr.last_threshold, fr.next_check_at) == (50, utc(2025, 6, 1, 2, 45))
    assert [m.to for m in mail.outbox] == [["acme-agent@provider.test"]]

    clock.at(utc(2025, 6, 1, 2, 45))
    run_pass()
    assert rows_for(75) == {
        ("in_app", "acme-agent"),
        ("email", "acme-agent@provider.test"),
        ("email", "ops@provider.test"),
        ("in_app", "acme-engineer"),
    }

    clock.at(utc(2025, 6, 1, 2, 54))
    run_pass()
    assert rows_for(90) == {
        ("in_app", "acme-agent"),
        ("email", "acme-agent@provider.test"),
        ("email", "ops@provider.test"),
        ("in_app", "acme-engineer"),
        ("in_app", "acme-manager"),
        ("email", "acme-manager@provider.test"),
    }

    # At 03:00 the target is used up but not exceeded: a clock stopped now would be met.
    clock.at(utc(2025, 6, 1, 3))
    assert run_pass().clocks.thresholds == 0
    fr.refresh_from_db()
    assert (fr.last_threshold, fr.next_check_at) == (90, utc(2025, 6, 1, 3, 0, 1))

    clock.at(utc(2025, 6, 1, 3, 0, 1))
    assert run_pass().clocks.thresholds == 1
    assert rows_for(100) == {
        ("in_app", "acme-agent"),
        ("email", "acme-agent@provider.test"),
        ("email", "ops@provider.test"),
        ("in_app", "acme-engineer"),
        ("in_app", "acme-manager"),
        ("email", "acme-manager@provider.test"),
        ("email", "it@acme.test"),
    }
    customer_mail = [m for m in mail.outbox if m.to == ["it@acme.test"]]
    assert len(customer_mail) == 1
    assert customer_mail[0].subject == f"[{ticket.number}] First response deadline missed"
    assert Notification.objects.get(recipient="it@acme.test").sent_at == utc(2025, 6, 1, 3, 0, 1)

    crossed = list(
        ticket.events.filter(
            kind=EventKind.THRESHOLD_CROSSED, data__metric=Metric.FIRST_RESPONSE
        ).values_list("at", "data__percent")
    )
    assert crossed == [
        (utc(2025, 6, 1, 2, 30), 50),
        (utc(2025, 6, 1, 2, 45), 75),
        (utc(2025, 6, 1, 2, 54), 90),
        (utc(2025, 6, 1, 3), 100),
    ]
    assert list(
        ticket.events.filter(kind=EventKind.BREACHED).values_list("at", "data__metric")
    ) == [(utc(2025, 6, 1, 3), Metric.FIRST_RESPONSE)]
    fr.refresh_from_db()
    assert (fr.last_threshold, fr.next_check_at) == (100, None)

    # Passes after the breach change nothing: every row was sent exactly once.
    sent = len(mail.outbox)
    clock.at(utc(2025, 6, 1, 3, 5))
    run_pass()
    assert len(mail.outbox) == sent == 1 + 2 + 3 + 4  # e-mails at 50, 75, 90 and 100 %
    assert set(Notification.objects.values_list("status", flat=True)) == {"sent"}
