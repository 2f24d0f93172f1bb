"""Alert storms: a body over ALERT_MAX_BODY is a JSON 413 stating the limit; a delivery of more
than ALERT_INLINE_MAX alerts is accepted at once (202) and stored by the worker, chunk by
chunk, each chunk in its own transaction."""

from __future__ import annotations

import json

import pytest
from django.test import override_settings

from servicepact.monitoring import inbox
from servicepact.monitoring.models import Alert, AlertTransition, QueuedAlerts
from servicepact.monitoring.services import create_alert_source, drain_inbox
from servicepact.tickets.models import Ticket
from servicepact.tickets.testing import world

from .conftest import am_alert, am_payload, post_json, utc

pytestmark = [pytest.mark.django_db]

ALERTS = "/api/v1/alerts/alertmanager"
STARTS = utc(2025, 6, 10, 18, 0)


def limits(**options):
    return override_settings(
        SERVICEPACT={"ALERT_MAX_BODY": 10_000, "ALERT_INLINE_MAX": 3, **options}
    )


@pytest.fixture
def token(clock):
    clock.at(utc(2025, 6, 10, 18, 1))
    w = world()
    _, raw = create_alert_source(name="prom", kind="alertmanager", customer=w.customer)
    return raw


def alerts(count: int) -> list[dict]:
    return [am_alert(f"fp{i}", "firing", STARTS, instance="acme-srv01:9100") for i in range(count)]


def test_body_over_the_limit_is_a_json_413_stating_it(client, token):
    payload = am_payload(*alerts(1))
    payload["alerts"][0]["annotations"]["description"] = "x" * 10_000
    with limits():
        response = post_json(client, ALERTS, payload, token)
    assert response.status_code == 413
    assert response["Content-Type"] == "application/json"
    assert response.json() == {
        "detail": "body: larger than the limit of 10000 bytes; send smaller groups",
        "limit_bytes": 10_000,
    }
    assert not Alert.objects.exists()


def test_alerts_may_be_larger_than_the_sites_upload_limit(client, token):
    """DATA_UPLOAD_MAX_MEMORY_SIZE (the rest of the site) does not apply to alert bodies."""
    payload = am_payload(*alerts(1))
    payload["alerts"][0]["annotations"]["description"] = "x" * 5_000
    with limits(), override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1_000):
        response = post_json(client, ALERTS, payload, token)
    assert response.status_code == 200
    assert Alert.objects.get().description == "x" * 5_000


def test_body_at_the_limit_is_accepted(client, token):
    body = json.dumps(am_payload(*alerts(1)))
    body += " " * (10_000 - len(body.encode()))  # JSON allows trailing whitespace
    with limits():
        response = post_json(client, ALERTS, body, token)
    assert response.status_code == 200


def test_a_big_delivery_is_queued_then_stored_by_the_worker_in_chunks(
    client, token, monkeypatch, clock
):
    monkeypatch.setattr(inbox, "CHUNK", 2)
    bad = am_alert("bad", "firing", STARTS, instance="acme-srv01:9100")
    bad["labels"]["job"] = "\x00"
    with limits():
        response = post_json(client, ALERTS, am_payload(*alerts(5), bad), token)
    assert response.status_code == 202
    assert response.json() == {
        "accepted": 5,
        "queued": 5,
        "tickets": [],
        "unmatched": 0,
        "rejected": [
            {
                "index": 5,
                "field": "alerts[5].labels.job",
                "reason": "contains a NUL character or an invalid code point",
            }
        ],
    }
    assert not Alert.objects.exists()
    chunks = list(QueuedAlerts.objects.order_by("position"))
    assert [(c.position, len(c.alerts)) for c in chunks] == [(0, 2), (2, 2), (4, 1)]

    clock.at(utc(2025, 6, 10, 18, 5))
    assert drain_inbox(limit=2) == 4  # two chunks per call here
    assert sorted(Alert.objects.values_list("fingerprint", flat=True)) == [
        "fp0",
        "fp1",
        "fp2",
        "fp3",
    ]
    assert drain_inbox(limit=2, budget_seconds=60) == 1
    assert Alert.objects.count() == 5 and Ticket.objects.count() == 1
    # Stored as received at 18:01 (the delivery), not when the worker ran.
    assert set(Alert.objects.values_list("first_received_at", flat=True)) == {
        utc(2025, 6, 10, 18, 1)
    }
    assert not QueuedAlerts.objects.filter(processed_at__isnull=True).exists()
    assert drain_inbox() == 0  # nothing is stored twice
    assert AlertTransition.objects.count() == 5


def test_a_chunk_that_fails_is_kept_with_its_error_and_the_next_is_stored(
    client, token, monkeypatch
):
    monkeypatch.setattr(inbox, "CHUNK", 2)
    with limits():
        assert post_json(client, ALERTS, am_payload(*alerts(4)), token).status_code == 202
    first = QueuedAlerts.objects.order_by("position").first()
    first.alerts[1]["name"] = None  # a corrupted row: the chunk fails at its second alert
    first.save()
    assert drain_inbox() == 2
    # The failing chunk stored nothing, not even its first (valid) alert.
    assert sorted(Alert.objects.values_list("fingerprint", flat=True)) == ["fp2", "fp3"]
    first.refresh_from_db()
    assert first.processed_at is None and first.attempts == 1
    assert first.last_error == "TypeError: 'NoneType' object is not subscriptable"
    for _ in range(inbox.MAX_ATTEMPTS):
        drain_inbox()
    first.refresh_from_db()
    assert first.attempts == inbox.MAX_ATTEMPTS  # then left alone, for staff to look at


def test_a_delivery_at_the_inline_limit_is_processed_in_the_request(client, token):
    with limits():
        response = post_json(client, ALERTS, am_payload(*alerts(3)), token)
    assert response.status_code == 200
    assert response.json()["accepted"] == 3 and "queued" not in response.json()
    assert Alert.objects.count() == 3 and not QueuedAlerts.objects.exists()
