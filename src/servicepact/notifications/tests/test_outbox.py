"""The outbox: idempotent enqueueing, e-mail delivery, in-app inbox, backoff."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core import mail

from servicepact.core.testing import utc
from servicepact.notifications.delivery import backoff, deliver_due
from servicepact.notifications.models import Notification
from servicepact.notifications.selectors import mark_read, notifications, unread_count, unread_for
from servicepact.notifications.services import (
    Message,
    enqueue,
    idempotency_key,
    notify_email,
    notify_user,
)

pytestmark = pytest.mark.django_db

T0 = utc(2025, 6, 2, 10)
MESSAGE = Message(
    event="contract.renewal_reminder",
    subject="Contract C-1 ends on 2025-12-31",
    body="Please renew.",
    payload={"contract": {"number": "C-1"}},
    contract_id=7,
)


def staff(username: str, email: str = ""):
    return get_user_model().objects.create_user(username=username, email=email, is_staff=True)


def test_enqueueing_the_same_key_twice_keeps_one_row(clock):
    """The idempotency key is unique: a re-run returns the existing row and adds nothing."""
    clock.at(T0)
    first = notify_email(key="renewal:7:2025-12-31:30", address="it@acme.test", message=MESSAGE)
    again = notify_email(key="renewal:7:2025-12-31:30", address="IT@acme.test", message=MESSAGE)
    assert first.pk == again.pk
    assert Notification.objects.count() == 1
    assert first.idempotency_key == "renewal:7:2025-12-31:30:it@acme.test:email"
    assert (first.status, first.next_attempt_at, first.contract_id) == ("pending", T0, 7)


def test_a_key_longer_than_the_column_is_hashed():
    """Keys over 255 characters become 'sha256:<hex>' (71 characters), still deterministic."""
    key = idempotency_key("esc", "x" * 300)
    assert key.startswith("sha256:") and len(key) == 71
    assert key == idempotency_key("esc", "x" * 300)


def test_not_before_holds_a_row_back_until_then(clock):
    """A row with not_before in the future is due then, not now."""
    clock.at(T0)
    row = enqueue(
        key="k1",
        channel="email",
        recipient="it@acme.test",
        message=MESSAGE,
        audience="customer",
        not_before=T0 + timedelta(hours=9),
    )
    assert (row.not_before, row.next_attempt_at) == (
        T0 + timedelta(hours=9),
        T0 + timedelta(hours=9),
    )
    assert deliver_due().attempted == 0
    clock.at(T0 + timedelta(hours=9))
    assert deliver_due().sent == 1
    assert [m.to for m in mail.outbox] == [["it@acme.test"]]


def test_email_is_sent_once_with_the_delivery_header(clock):
    """The e-mail carries subject and body; X-ServicePact-Delivery is the idempotency key.
    A second delivery run sends nothing more."""
    clock.at(T0)
    row = notify_email(key="renewal:7:2025-12-31:30", address="it@acme.test", message=MESSAGE)
    assert deliver_due().sent == 1
    assert deliver_due().attempted == 0
    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    assert (sent.subject, sent.body, sent.to) == (
        "Contract C-1 ends on 2025-12-31",
        "Please renew.",
        ["it@acme.test"],
    )
    assert sent.extra_headers["X-ServicePact-Delivery"] == row.idempotency_key


def test_failing_email_backend_backs_off_exponentially(clock, settings):
    """SMTP down: attempts at 10:00, 10:01, 10:03, 10:07 (60 s x 2^(n-1) after the n-th)."""
    settings.EMAIL_BACKEND = "servicepact.notifications.tests.broken_mail.Backend"
    settings.SERVICEPACT = {**settings.SERVICEPACT, "NOTIFY_MAX_ATTEMPTS": 6}
    clock.at(T0)
    notify_email(key="k", address="it@acme.test", message=MESSAGE)
    instants = []
    for minute in range(0, 10):
        clock.at(T0 + timedelta(minutes=minute))
        if deliver_due().attempted:
            instants.append(minute)
    assert instants == [0, 1, 3, 7]
    row = Notification.objects.get()
    assert (row.status, row.attempts, row.last_error) == (
        "failed",
        4,
        "ConnectionRefusedError: SMTP is down",
    )
    assert [backoff(n).total_seconds() for n in (1, 2, 3, 4, 5)] == [60, 120, 240, 480, 960]


def test_in_app_inbox_unread_and_mark_read(clock):
    """notify_user gives an in-app row (and an e-mail when the user has an address). After
    delivery it is unread for that user only; mark_read clears it."""
    clock.at(T0)
    ann, bob = staff("ann", "ann@provider.test"), staff("bob")
    notify_user(key="esc:1:50", user=ann, message=MESSAGE)
    notify_user(key="esc:1:50", user=bob, message=MESSAGE)
    assert set(Notification.objects.values_list("channel", "recipient")) == {
        ("in_app", "ann"),
        ("email", "ann@provider.test"),
        ("in_app", "bob"),
    }
    assert unread_count(ann) == 0  # not delivered yet
    deliver_due()
    assert [n.subject for n in unread_for(ann)] == ["Contract C-1 ends on 2025-12-31"]
    assert unread_count(bob) == 1
    assert mark_read(user=ann) == 1
    assert unread_count(ann) == 0
    assert unread_count(bob) == 1


def test_selector_filters_by_status_channel_and_ticket(clock):
    clock.at(T0)
    enqueue(
        key="a", channel="email", recipient="x@y.test", message=Message("e", "s", "b", ticket_id=5)
    )
    enqueue(key="b", channel="in_app", recipient="ann", message=Message("e", "s", "b", ticket_id=6))
    assert [n.idempotency_key for n in notifications(channel="email")] == ["a"]
    assert [n.idempotency_key for n in notifications(ticket_id=6)] == ["b"]
    assert notifications(status="sent").count() == 0
