"""Changes API: contacts approve or reject their own changes; others get 404; wrong moves 409."""

from __future__ import annotations

import json

import pytest

from servicepact.accounts.services import create_api_token
from servicepact.changes import services as cs
from servicepact.changes.models import Change
from servicepact.tickets.testing import world

from .conftest import ny

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("frozen"),
]


@pytest.fixture
def setup():
    w, beta = world(), world(code="beta")
    change = cs.request_change(
        customer=w.customer,
        title="Firmware",
        assets=[w.asset],
        planned_start=ny(2025, 6, 14, 2),
        planned_end=ny(2025, 6, 14, 4),
        actor=w.agent,
    )
    return w, beta, change


def bearer(user):
    return {"HTTP_AUTHORIZATION": f"Bearer {create_api_token(user=user)[1]}"}


def test_contact_approves_via_the_api(client, setup):
    w, _, change = setup
    response = client.post(f"/api/v1/changes/{change.pk}/approve", **bearer(w.contact.user))
    assert response.status_code == 200
    data = response.json()
    assert (data["status"], data["approved_by"], data["assets"]) == (
        "approved",
        "acme-it",
        [w.asset.pk],
    )
    assert data["approved_at"] == "2025-06-09T13:00:00Z"
    again = client.post(f"/api/v1/changes/{change.pk}/approve", **bearer(w.contact.user))
    assert again.status_code == 409
    assert again.json()["detail"].startswith(
        f"cannot approve change {change.number}: it is Approved"
    )


def test_contact_rejects_with_a_reason(client, setup):
    w, _, change = setup
    response = client.post(
        f"/api/v1/changes/{change.pk}/reject",
        data=json.dumps({"reason": "quarter close"}),
        content_type="application/json",
        **bearer(w.contact.user),
    )
    assert (response.status_code, response.json()["rejection_reason"]) == (200, "quarter close")
    assert Change.objects.get().status == "rejected"


def test_reject_without_a_body(client, setup):
    w, _, change = setup
    client.force_login(w.contact.user)
    response = client.post(f"/api/v1/changes/{change.pk}/reject")
    assert (response.status_code, response.json()["status"]) == (200, "rejected")


def test_another_customers_contact_gets_404_and_staff_403_on_approve(client, setup):
    w, beta, change = setup
    assert (
        client.post(f"/api/v1/changes/{change.pk}/approve", **bearer(beta.contact.user)).status_code
        == 404
    )
    assert (
        client.get(f"/api/v1/changes/{change.pk}", **bearer(beta.contact.user)).status_code == 404
    )
    staff = client.post(f"/api/v1/changes/{change.pk}/approve", **bearer(w.agent))
    assert staff.status_code == 403
    assert client.post(f"/api/v1/changes/{change.pk}/approve").status_code == 401
    assert Change.objects.get().status == "requested"


def test_lists_are_scoped_and_staff_create_and_complete(client, setup):
    w, beta, change = setup
    listed = client.get("/api/v1/changes", **bearer(beta.contact.user)).json()
    assert listed == {"items": [], "count": 0}
    staff = bearer(w.agent)
    body = {
        "title": "Kernel update",
        "assets": [beta.asset.pk],
        "planned_start": "2025-06-21T02:00:00-04:00",
        "planned_end": "2025-06-21T03:00:00-04:00",
    }
    created = client.post(
        "/api/v1/changes", data=json.dumps(body), content_type="application/json", **staff
    )
    assert created.status_code == 201
    assert client.get("/api/v1/changes", **bearer(beta.contact.user)).json()["count"] == 1
    bad = client.post(
        "/api/v1/changes",
        data=json.dumps({**body, "planned_end": body["planned_start"]}),
        content_type="application/json",
        **staff,
    )
    assert (bad.status_code, bad.json()["detail"]) == (
        422,
        [{"loc": ["body", "planned_end"], "msg": "must be after planned_start", "type": "invalid"}],
    )
    contact_create = client.post(
        "/api/v1/changes",
        data=json.dumps(body),
        content_type="application/json",
        **bearer(beta.contact.user),
    )
    assert contact_create.status_code == 403
    cs.approve_change(change=change, actor=w.contact.user)
    done = client.post(f"/api/v1/changes/{change.pk}/complete", **staff)
    assert (done.status_code, done.json()["status"]) == (200, "done")
