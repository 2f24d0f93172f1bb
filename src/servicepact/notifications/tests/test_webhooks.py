"""Webhook delivery to real receivers on loopback: signature, retries with backoff, dead letters."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import timedelta

import pytest

from servicepact.core.testing import utc
from servicepact.notifications.delivery import deliver_due
from servicepact.notifications.models import Notification, WebhookEndpoint
from servicepact.notifications.selectors import dead_letters
from servicepact.notifications.services import Message, notify_webhooks, retry_dead

pytestmark = pytest.mark.django_db

T0 = utc(2025, 6, 2, 10)
MESSAGE = Message(
    event="ticket.threshold_crossed",
    subject="[SP-000001] First response at 50 %",
    body="...",
    payload={"ticket": {"id": 1}, "percent": 50},
    ticket_id=1,
)


@pytest.fixture(autouse=True)
def fast_delivery(settings):
    settings.SERVICEPACT = {
        **settings.SERVICEPACT,
        "WEBHOOK_TIMEOUT": 0.5,
        "NOTIFY_MAX_ATTEMPTS": 3,
        "NOTIFY_BACKOFF_SECONDS": 60,
    }


def endpoint(url: str) -> WebhookEndpoint:
    return WebhookEndpoint.objects.create(name="provider chat", url=url, secret="s3cret-for-tests")


def test_receiver_failing_twice_gets_the_message_once_with_a_valid_signature(clock, receiver):
    """Answers 500, 500, then 200. Attempt 1 at 10:00 fails (retry at 10:01), attempt 2 at
    10:01 fails (retry 2 min later, 10:03), attempt 3 at 10:03 succeeds. Passes before a retry
    is due send nothing. The one accepted request carries the delivery id, the timestamp and a
    signature that is the HMAC-SHA256 of the raw body with the endpoint's secret."""
    hook = receiver([500, 500, 200])
    endpoint(hook.url)
    clock.at(T0)
    notify_webhooks(key="esc:1:50", message=MESSAGE)
    row = Notification.objects.get()
    key = row.idempotency_key

    assert deliver_due().failed == 1
    row.refresh_from_db()
    assert (row.status, row.attempts, row.next_attempt_at) == (
        "failed",
        1,
        T0 + timedelta(minutes=1),
    )
    assert row.last_error == "HTTPError: HTTP Error 500: Internal Server Error"

    clock.at(T0 + timedelta(seconds=59))
    assert deliver_due().attempted == 0
    clock.at(T0 + timedelta(minutes=1))
    assert deliver_due().failed == 1
    row.refresh_from_db()
    assert (row.attempts, row.next_attempt_at) == (2, T0 + timedelta(minutes=3))

    clock.at(T0 + timedelta(minutes=3))
    assert deliver_due().sent == 1
    clock.at(T0 + timedelta(hours=1))
    assert deliver_due().attempted == 0

    row.refresh_from_db()
    assert (row.status, row.attempts, row.sent_at, row.last_error) == (
        "sent",
        3,
        T0 + timedelta(minutes=3),
        "",
    )
    assert len(hook.requests) == 3
    assert {h["x-servicepact-delivery"] for h, _ in hook.requests} == {key}
    headers, body = hook.requests[-1]
    expected = "sha256=" + hmac.new(b"s3cret-for-tests", body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(headers["x-servicepact-signature"], expected)
    forged = "sha256=" + hmac.new(b"another-secret", body, hashlib.sha256).hexdigest()
    tampered = "sha256=" + hmac.new(b"s3cret-for-tests", body + b" ", hashlib.sha256).hexdigest()
    assert headers["x-servicepact-signature"] not in (forged, tampered)
    sent_at = int((T0 + timedelta(minutes=3)).timestamp())
    assert headers["x-servicepact-timestamp"] == str(sent_at)
    assert headers["content-type"] == "application/json"
    assert json.loads(body) == {
        "id": key,
        "event": "ticket.threshold_crossed",
        "timestamp": sent_at,
        "subject": "[SP-000001] First response at 50 %",
        "data": {"ticket": {"id": 1}, "percent": 50},
    }


def test_receiver_that_never_answers_ends_in_the_dead_letters(clock, silent_port):
    """Each attempt times out after 0.5 s. Retries at +1 min and +2 min; the third failure is the
    last (NOTIFY_MAX_ATTEMPTS=3): the row is dead, listed by dead_letters(), not retried by
    later passes; retry_dead puts it back with fresh attempts."""
    endpoint(f"http://127.0.0.1:{silent_port}/hook")
    clock.at(T0)
    notify_webhooks(key="esc:1:50", message=MESSAGE)
    for minutes, status in ((0, "failed"), (1, "failed"), (3, "dead")):
        clock.at(T0 + timedelta(minutes=minutes))
        report = deliver_due()
        assert report.attempted == 1
        assert Notification.objects.get().status == status
    row = Notification.objects.get()
    assert (row.attempts, row.next_attempt_at) == (3, None)
    assert "timed out" in row.last_error
    assert list(dead_letters()) == [row]

    clock.at(T0 + timedelta(days=1))
    assert deliver_due().attempted == 0
    assert retry_dead(ids=[row.pk]) == 1
    row.refresh_from_db()
    assert (row.status, row.attempts, row.next_attempt_at) == ("pending", 0, T0 + timedelta(days=1))
    assert list(dead_letters()) == []


def test_deactivated_endpoint_is_a_failure_not_a_silent_drop(clock, receiver):
    """A row whose endpoint was switched off fails like any other delivery error."""
    hook = receiver([200])
    clock.at(T0)
    ep = endpoint(hook.url)
    notify_webhooks(key="esc:1:50", message=MESSAGE)
    WebhookEndpoint.objects.filter(pk=ep.pk).update(active=False)
    assert deliver_due().failed == 1
    assert (
        Notification.objects.get().last_error
        == "DeliveryError: the webhook endpoint was removed or deactivated"
    )
    assert hook.requests == []
