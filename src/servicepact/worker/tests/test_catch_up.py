"""A worker that was down catches up: every crossed threshold is recorded as an event at its
own instant, but each recipient gets one message, about the highest threshold.

P1 on a 24x7 contract opened Sunday 2025-06-01 02:00 UTC (first response 60 min): 50 % at
02:30, 75 % at 02:45, 90 % at 02:54, 100 % (the breach, deadline 03:00) at 03:00:01. The
worker's first pass after it was down is at 03:10.
"""

from __future__ import annotations

import pytest
from django.core import mail

from servicepact.contracts.choices import Metric
from servicepact.contracts.escalation import set_escalation_policy
from servicepact.notifications.models import Notification, WebhookEndpoint
from servicepact.tickets import services as ts
from servicepact.tickets.choices import Category, EventKind
from servicepact.tickets.models import SlaClock
from servicepact.worker.passes import run_pass

from .conftest import FR, RES, setup_contract, utc

pytestmark = pytest.mark.django_db


def open_ticket(s, *, impact: int, urgency: int):
    ticket = ts.open_ticket(
        customer=s.customer,
        contact=s.contact,
        subject="Router down",
        impact=impact,
        urgency=urgency,
        category=Category.NETWORK,
    )
    ts.assign_ticket(ticket=ticket, actor=s.agent, assignee=s.agent, team=s.team)
    return ticket


def esc_rows(clock: SlaClock) -> set[tuple[int, str, str]]:
    """(percent in the key, channel, recipient) of the clock's escalation rows."""
    rows = Notification.objects.filter(idempotency_key__startswith=f"esc:{clock.pk}:")
    return {
        (int(r.idempotency_key.split(":")[2]), r.channel, r.recipient)
        for r in rows.only("idempotency_key", "channel", "recipient")
    }


def test_catch_up_pass_sends_one_message_for_the_highest_threshold(clock, receiver_url, settings):
    """The 03:10 pass records four threshold_crossed events (02:30, 02:45, 02:54, 03:00) and
    the breach, and enqueues only the 100 % step's messages: one per recipient and channel
    (4 e-mails, not 1 + 2 + 3 + 4 = 10), plus one webhook whose payload lists 50, 75, 90 and
    100. The staff e-mail says which thresholds it also stands for."""
    settings.SERVICEPACT_MAIL_DOMAIN = "support.example.com"
    url, received = receiver_url
    clock.at(utc(2025, 6, 1, 1))
    s = setup_contract()
    WebhookEndpoint.objects.create(name="provider", url=url, secret="whsec_" + "a" * 44)
    clock.at(utc(2025, 6, 1, 2))
    ticket = open_ticket(s, impact=1, urgency=1)
    fr = SlaClock.objects.get(ticket=ticket, metric=FR)

    clock.at(utc(2025, 6, 1, 3, 10))
    report = run_pass()
    assert report.clocks.thresholds == 4
    crossed = list(
        ticket.events.filter(kind=EventKind.THRESHOLD_CROSSED).values_list("at", "data__percent")
    )
    assert crossed == [
        (utc(2025, 6, 1, 2, 30), 50),
        (utc(2025, 6, 1, 2, 45), 75),
        (utc(2025, 6, 1, 2, 54), 90),
        (utc(2025, 6, 1, 3), 100),
    ]
    assert ticket.events.filter(kind=EventKind.BREACHED).count() == 1

    assert esc_rows(fr) == {
        (100, "in_app", "acme-agent"),
        (100, "email", "acme-agent@provider.test"),
        (100, "email", "ops@provider.test"),
        (100, "in_app", "acme-engineer"),
        (100, "in_app", "acme-manager"),
        (100, "email", "acme-manager@provider.test"),
        (100, "email", "it@acme.test"),
        (100, "webhook", url),
    }
    assert sorted(m.to[0] for m in mail.outbox) == [
        "acme-agent@provider.test",
        "acme-manager@provider.test",
        "it@acme.test",
        "ops@provider.test",
    ]
    staff_mail = next(m for m in mail.outbox if m.to == ["acme-agent@provider.test"])
    assert staff_mail.subject == f"[{ticket.number}] First response target breached"
    assert staff_mail.body.splitlines()[4] == (
        "Also crossed since the previous check: 50 %, 75 %, 90 %."
    )
    assert staff_mail.extra_headers["References"] == f"<ticket-{ticket.pk}@support.example.com>"
    hook = Notification.objects.get(channel="webhook")
    assert (hook.status, hook.payload["percent"], hook.payload["percents"]) == (
        "sent",
        100,
        [50, 75, 90, 100],
    )
    assert received == [hook.idempotency_key]

    # The next pass has nothing left to say.
    sent = len(mail.outbox)
    clock.at(utc(2025, 6, 1, 3, 15))
    assert run_pass().clocks.thresholds == 0
    assert len(mail.outbox) == sent
    assert Notification.objects.filter(payload__metric=Metric.RESOLUTION).count() == 0
    assert SlaClock.objects.get(ticket=ticket, metric=RES).last_threshold == 0


def test_collapsed_message_reaches_everyone_the_skipped_steps_name(clock):
    """Plan policy: 50 % tells the team, 80 % the service manager, 100 % (added, the breach)
    nobody. P3, first response 120 min, opened 09:00: a pass at 10:00 tells the team about 50 %
    (percents [50]). The worker is then down; the 11:05 pass crosses 80 % (10:36) and 100 %
    (11:00): one message, about the breach, to the manager named by the skipped 80 % step;
    the team, told at 50 % and named by neither, hears nothing more."""
    clock.at(utc(2025, 6, 2, 8))
    s = setup_contract()
    set_escalation_policy(
        plan=s.plan,
        steps=[
            {"percent": 50, "notify_team": True},
            {"percent": 80, "notify_service_manager": True},
        ],
    )
    clock.at(utc(2025, 6, 2, 9))
    ticket = open_ticket(s, impact=3, urgency=3)
    fr = SlaClock.objects.get(ticket=ticket, metric=FR)

    clock.at(utc(2025, 6, 2, 10))
    assert run_pass().clocks.thresholds == 1
    assert esc_rows(fr) == {
        (50, "email", "ops@provider.test"),
        (50, "in_app", "acme-agent"),
        (50, "in_app", "acme-engineer"),
    }
    told = Notification.objects.get(recipient="ops@provider.test")
    assert told.payload["percents"] == [50]
    assert "Also crossed" not in told.body

    clock.at(utc(2025, 6, 2, 11, 5))
    assert run_pass().clocks.thresholds == 2
    assert list(
        ticket.events.filter(kind=EventKind.THRESHOLD_CROSSED).values_list("at", "data__percent")
    ) == [(utc(2025, 6, 2, 10), 50), (utc(2025, 6, 2, 10, 36), 80), (utc(2025, 6, 2, 11), 100)]
    assert {r for r in esc_rows(fr) if r[0] != 50} == {
        (100, "in_app", "acme-manager"),
        (100, "email", "acme-manager@provider.test"),
    }
    breach = Notification.objects.get(recipient="acme-manager@provider.test")
    assert breach.payload["percents"] == [80, 100]
    assert breach.payload["percent"] == 100
    assert breach.body.endswith("Also crossed since the previous check: 80 %.")
