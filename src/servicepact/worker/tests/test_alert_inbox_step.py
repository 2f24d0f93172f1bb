"""The worker pass stores the chunks of big alert deliveries (monitoring/inbox.py)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from django.test import override_settings

from servicepact.monitoring.models import Alert, QueuedAlerts
from servicepact.monitoring.services import create_alert_source
from servicepact.tickets.testing import world
from servicepact.worker.passes import run_pass

pytestmark = [pytest.mark.django_db]


def test_a_pass_stores_a_queued_delivery(client, clock):
    clock.at(datetime(2025, 6, 10, 18, 1, tzinfo=UTC))
    w = world()
    _, token = create_alert_source(name="prom", kind="alertmanager", customer=w.customer)
    alerts = [
        {
            "status": "firing",
            "labels": {"alertname": "Down", "instance": "acme-srv01:9100"},
            "startsAt": "2025-06-10T18:00:00Z",
            "fingerprint": f"fp{i}",
        }
        for i in range(3)
    ]
    body = {"version": "4", "status": "firing", "alerts": alerts}
    with override_settings(SERVICEPACT={"ALERT_INLINE_MAX": 2}):
        response = client.post(
            "/api/v1/alerts/alertmanager",
            data=json.dumps(body),
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {token}",
        )
    assert response.status_code == 202 and not Alert.objects.exists()
    report = run_pass()
    assert (report.queued_alerts, report.failed_steps) == (3, 0)
    assert Alert.objects.count() == 3
    assert not QueuedAlerts.objects.filter(processed_at__isnull=True).exists()
    assert run_pass().queued_alerts == 0
