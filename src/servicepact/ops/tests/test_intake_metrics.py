"""A delivery the alert intake's fast path answers (monitoring/intake.py) is counted in the
request metrics under the endpoint's route, as when the endpoint answers it."""

from __future__ import annotations

import json

import pytest
from django.conf import settings
from django.test import Client, override_settings

from servicepact.core.testing import utc
from servicepact.monitoring.services import create_alert_source
from servicepact.ops.metrics import REQUESTS
from servicepact.tickets.testing import world

pytestmark = [pytest.mark.django_db]

INTAKE = "servicepact.monitoring.intake.AlertIntakeMiddleware"
URL = "/api/v1/alerts/alertmanager"


def _delivery(fingerprint: str) -> bytes:
    alert = {
        "status": "firing",
        "labels": {"alertname": "InstanceDown", "instance": "acme-srv01:9100"},
        "startsAt": "2025-06-10T18:00:00Z",
        "endsAt": "0001-01-01T00:00:00Z",
        "fingerprint": fingerprint,
    }
    return json.dumps({"version": "4", "status": "firing", "alerts": [alert]}).encode()


def _count(route: str) -> float:
    return float(REQUESTS.labels(route, "POST", "202")._value.get())


def test_a_fast_path_delivery_counts_under_the_endpoints_route(clock):
    clock.at(utc(2025, 6, 10, 18, 1))
    w = world()
    _, token = create_alert_source(name="prom", kind="alertmanager", customer=w.customer)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}  # a new client per chain of middleware
    with override_settings(SERVICEPACT={**settings.SERVICEPACT, "ALERT_INLINE_MAX": 0}):
        without = [m for m in settings.MIDDLEWARE if m != INTAKE]
        with override_settings(MIDDLEWARE=without):  # the endpoint answers: its route label
            answered = Client().post(URL, _delivery("a"), content_type="application/json", **auth)
        route = answered.wsgi_request.resolver_match.view_name
        before, unmatched = _count(route), _count("unmatched")
        fast = Client().post(URL, _delivery("b"), content_type="application/json", **auth)
    assert (answered.status_code, fast.status_code) == (202, 202)
    assert "X-Frame-Options" in answered and "X-Frame-Options" not in fast  # the fast path
    assert (_count(route), _count("unmatched")) == (before + 1, unmatched)
