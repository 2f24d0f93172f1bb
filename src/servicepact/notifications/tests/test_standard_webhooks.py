"""Standard Webhooks signatures, verified by the official ``standardwebhooks`` library on
deliveries to a real receiver on loopback; secret rotation with two valid secrets."""

from __future__ import annotations

import base64
import json
from datetime import timedelta

import pytest
from standardwebhooks import Webhook, WebhookVerificationError

from servicepact.core.errors import DomainValidationError
from servicepact.notifications.delivery import deliver_due
from servicepact.notifications.models import Notification, WebhookEndpoint
from servicepact.notifications.services import (
    Message,
    end_webhook_rollover,
    notify_webhooks,
    rotate_webhook_secret,
)
from servicepact.notifications.signing import as_standard_secret, secret_key

from .conftest import utc

pytestmark = pytest.mark.django_db

T0 = utc(2025, 6, 2, 10)
OLD = "whsec_" + base64.b64encode(b"o" * 32).decode()
NEW = "whsec_" + base64.b64encode(b"n" * 32).decode()
MESSAGE = Message(
    event="ticket.threshold_crossed",
    subject="[SP-000001] First response at 50 %",
    body="...",
    payload={"ticket": {"id": 1}, "percent": 50},
    ticket_id=1,
)


def deliver(hook, key: str = "esc:1:50") -> tuple[dict[str, str], bytes]:
    """Enqueues one event for the provider's endpoints, delivers it, returns what arrived."""
    before = len(hook.requests)
    notify_webhooks(key=key, message=MESSAGE)
    assert deliver_due().sent == 1
    assert len(hook.requests) == before + 1
    return hook.requests[-1]


def test_the_official_library_verifies_a_delivery(frozen, receiver):
    """The receiver gets webhook-id (the body's id), webhook-timestamp (the send time) and a
    v1 signature that standardwebhooks accepts with the endpoint's secret and rejects with
    another secret or a body changed by one byte."""
    hook = receiver([200])
    WebhookEndpoint.objects.create(name="chat", url=hook.url, secret=NEW)
    frozen(T0)
    headers, body = deliver(hook)
    event = json.loads(body)
    assert headers["webhook-id"] == event["id"] == Notification.objects.get().idempotency_key
    assert headers["webhook-timestamp"] == str(int(T0.timestamp())) == str(event["timestamp"])
    assert headers["webhook-signature"].startswith("v1,")
    assert len(headers["webhook-signature"].split(" ")) == 1  # one secret, one signature
    assert Webhook(NEW).verify(body, headers) == event
    with pytest.raises(WebhookVerificationError, match="No matching signature"):
        Webhook(OLD).verify(body, headers)
    with pytest.raises(WebhookVerificationError, match="No matching signature"):
        Webhook(NEW).verify(body.replace(b'"percent":50', b'"percent":51'), headers)


def test_the_tolerance_is_five_minutes(frozen, receiver):
    """A delivery verified 5 minutes after it was signed passes; one second later the
    library refuses it as too old (the documented tolerance)."""
    hook = receiver([200])
    WebhookEndpoint.objects.create(name="chat", url=hook.url, secret=NEW)
    frozen(T0)
    headers, body = deliver(hook)
    frozen(T0 + timedelta(minutes=5))
    assert Webhook(NEW).verify(body, headers)["id"] == headers["webhook-id"]
    frozen(T0 + timedelta(minutes=5, seconds=1))
    with pytest.raises(WebhookVerificationError, match="too old"):
        Webhook(NEW).verify(body, headers)


def test_a_retry_is_signed_again_when_it_is_sent(frozen, receiver):
    """Attempt 1 at 10:00 gets a 500; the retry at 10:01 carries 10:01 as its timestamp, so a
    receiver's tolerance never rejects a retry for its age; the id stays the same."""
    hook = receiver([500, 200])
    WebhookEndpoint.objects.create(name="chat", url=hook.url, secret=NEW)
    frozen(T0)
    notify_webhooks(key="esc:1:50", message=MESSAGE)
    assert deliver_due().failed == 1
    frozen(T0 + timedelta(minutes=1))
    assert deliver_due().sent == 1
    (first, _), (second, body) = hook.requests
    assert first["webhook-id"] == second["webhook-id"]
    assert second["webhook-timestamp"] == str(int((T0 + timedelta(minutes=1)).timestamp()))
    assert Webhook(NEW).verify(body, second)["timestamp"] == int(second["webhook-timestamp"])


def test_rotation_signs_with_both_secrets_until_the_overlap_ends(frozen, receiver):
    """Rotated at 10:00 with a 2-hour overlap: a delivery at 11:00 carries two signatures and
    verifies with the old and with the new secret; at 12:00 the old secret has expired and
    only the new one verifies."""
    hook = receiver([200])
    endpoint = WebhookEndpoint.objects.create(name="chat", url=hook.url, secret=OLD)
    frozen(T0)
    rotated = rotate_webhook_secret(endpoint=endpoint, overlap=timedelta(hours=2), secret=NEW)
    assert (rotated.secret, rotated.previous_secret) == (NEW, OLD)
    assert rotated.previous_secret_expires_at == T0 + timedelta(hours=2)

    frozen(T0 + timedelta(hours=1))
    headers, body = deliver(hook, key="esc:1:50")
    assert len(headers["webhook-signature"].split(" ")) == 2
    assert Webhook(OLD).verify(body, headers)["id"] == headers["webhook-id"]
    assert Webhook(NEW).verify(body, headers)["id"] == headers["webhook-id"]

    frozen(T0 + timedelta(hours=2))
    headers, body = deliver(hook, key="esc:1:75")
    assert len(headers["webhook-signature"].split(" ")) == 1
    assert Webhook(NEW).verify(body, headers)["id"] == headers["webhook-id"]
    with pytest.raises(WebhookVerificationError):
        Webhook(OLD).verify(body, headers)


def test_ending_the_rollover_and_rotating_without_overlap(frozen, receiver):
    """end_webhook_rollover drops the previous secret at once; an overlap of zero switches
    immediately; a random new secret is a fresh whsec_ of 32 bytes."""
    hook = receiver([200])
    endpoint = WebhookEndpoint.objects.create(name="chat", url=hook.url, secret=OLD)
    frozen(T0)
    rotated = rotate_webhook_secret(endpoint=endpoint)
    assert rotated.secret.startswith("whsec_") and len(secret_key(rotated.secret)) == 32
    assert rotated.secret != OLD
    assert rotated.previous_secret_expires_at == T0 + timedelta(hours=24)
    ended = end_webhook_rollover(endpoint=rotated)
    assert (ended.previous_secret, ended.previous_secret_expires_at) == ("", None)
    headers, body = deliver(hook)
    with pytest.raises(WebhookVerificationError):
        Webhook(OLD).verify(body, headers)
    assert Webhook(ended.secret).verify(body, headers)["id"] == headers["webhook-id"]

    switched = rotate_webhook_secret(endpoint=ended, overlap=timedelta(0), secret=NEW)
    assert (switched.secret, switched.previous_secret) == (NEW, "")
    assert switched.signing_secrets(T0) == [NEW]


def test_rotating_twice_keeps_at_most_two_secrets(frozen):
    """A second rotation during a rollover drops the oldest secret."""
    frozen(T0)
    endpoint = WebhookEndpoint.objects.create(name="chat", url="http://127.0.0.1:9/", secret=OLD)
    rotate_webhook_secret(endpoint=endpoint, secret=NEW)
    third = "whsec_" + base64.b64encode(b"t" * 24).decode()
    again = rotate_webhook_secret(endpoint=endpoint, secret=third)
    assert again.signing_secrets(T0 + timedelta(hours=1)) == [third, NEW]


@pytest.mark.parametrize(
    ("kwargs", "field", "message"),
    [
        ({"secret": "plain-text"}, "secret", "must start with whsec_"),
        ({"secret": "whsec_***"}, "secret", "must be whsec_ followed by base64"),
        ({"secret": "whsec_" + base64.b64encode(b"x" * 8).decode()}, "secret", "not 8"),
        ({"overlap": timedelta(days=31)}, "overlap", "must be from 0 to 30 days"),
        ({"overlap": timedelta(hours=-1)}, "overlap", "must be from 0 to 30 days"),
    ],
)
def test_bad_rotation_input_names_the_field_and_changes_nothing(frozen, kwargs, field, message):
    frozen(T0)
    endpoint = WebhookEndpoint.objects.create(name="chat", url="http://127.0.0.1:9/", secret=OLD)
    with pytest.raises(DomainValidationError) as err:
        rotate_webhook_secret(endpoint=endpoint, **kwargs)
    assert list(err.value.errors) == [field]
    assert message in err.value.errors[field][0]
    endpoint.refresh_from_db()
    assert (endpoint.secret, endpoint.previous_secret) == (OLD, "")


def test_a_legacy_secret_keeps_its_key_in_the_standard_form(frozen, receiver):
    """A secret stored before Standard Webhooks ("s3cret", no prefix) signs with its UTF-8
    bytes; the library verifies with whsec_ + base64 of those bytes, the form the migration
    writes."""
    hook = receiver([200])
    WebhookEndpoint.objects.create(name="chat", url=hook.url, secret="s3cret")
    frozen(T0)
    headers, body = deliver(hook)
    standard = as_standard_secret("s3cret")
    assert standard == "whsec_" + base64.b64encode(b"s3cret").decode()
    assert secret_key(standard) == secret_key("s3cret") == b"s3cret"
    assert Webhook(standard).verify(body, headers)["id"] == headers["webhook-id"]
