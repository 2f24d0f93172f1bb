"""API bodies over the limit answer a JSON 413 that names the limit (core.limits)."""

from __future__ import annotations

import json

import pytest
from django.test import Client, RequestFactory

from servicepact.accounts.services import create_api_token
from servicepact.core.limits import BodyTooLarge, body_limit_for, read_body
from servicepact.tickets.models import Ticket
from servicepact.tickets.testing import world

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(clock):  # type: ignore[no-untyped-def]
    acme = world(code="acme")
    _token, raw = create_api_token(user=acme.contact.user)
    return acme, Client(headers={"Authorization": f"Bearer {raw}"})


def ticket_body(acme, size: int) -> str:  # type: ignore[no-untyped-def]
    body = {"asset": acme.asset.pk, "subject": "Disk", "impact": 2, "urgency": 2, "description": ""}
    body["description"] = "x" * (size - len(json.dumps(body)))
    text = json.dumps(body)
    assert len(text) == size
    return text


def test_a_body_over_the_limit_is_a_json_413_and_stores_nothing(api, settings):
    acme, client = api
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 4000
    response = client.post(
        "/api/v1/tickets", ticket_body(acme, 4001), content_type="application/json"
    )
    assert response.status_code == 413
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "Request body too large: limit 4000 bytes"}
    assert Ticket.objects.count() == 0


def test_a_body_at_the_limit_is_accepted(api, settings):
    acme, client = api
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 4000
    response = client.post(
        "/api/v1/tickets", ticket_body(acme, 4000), content_type="application/json"
    )
    assert response.status_code == 201, response.content
    assert Ticket.objects.count() == 1


def test_reading_past_djangos_limit_inside_the_api_is_413_too(api, settings):
    """A path allowed more than the global limit still reads request.body under Django's
    limit: the API's handler turns RequestDataTooBig into the same JSON 413."""
    acme, client = api
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 4000
    settings.SERVICEPACT = {**settings.SERVICEPACT, "API_BODY_LIMITS": {"/api/v1/tickets": 10_000}}
    response = client.post(
        "/api/v1/tickets", ticket_body(acme, 5000), content_type="application/json"
    )
    assert (response.status_code, response.json()) == (
        413,
        {"detail": "Request body too large: limit 4000 bytes"},
    )


def test_outside_the_api_django_keeps_its_own_answer(api, settings):
    acme, client = api
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100
    client.force_login(acme.contact.user)
    response = client.post("/portal/tickets/new/", {"subject": "x" * 200})
    assert response.status_code == 400  # Django's RequestDataTooBig, not the API's JSON


def test_read_body_applies_an_endpoints_own_limit(settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10
    settings.SERVICEPACT = {**settings.SERVICEPACT, "API_BODY_LIMITS": {"/api/v1/alerts/": 50}}
    assert body_limit_for("/api/v1/alerts/generic") == 50
    assert body_limit_for("/api/v1/tickets") == 10
    factory = RequestFactory()
    ok = factory.post("/api/v1/alerts/generic", b"y" * 50, content_type="application/json")
    assert read_body(ok, limit=50) == b"y" * 50
    assert ok.body == b"y" * 50  # still readable afterwards
    big = factory.post("/api/v1/alerts/generic", b"y" * 51, content_type="application/json")
    with pytest.raises(BodyTooLarge) as refused:
        read_body(big, limit=50)
    assert refused.value.limit == 50
