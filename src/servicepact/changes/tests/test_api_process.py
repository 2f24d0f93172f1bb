"""/api/v1/changes with type, risk, plans and approvals (board and customer), execution
steps, /api/v1/releases, /api/v1/assets/{id}/configuration and contract blackouts: tenancy
404s, 403 for contacts on staff actions, 409 for wrong moves, 422 naming the field."""

from __future__ import annotations

import json

import pytest

from servicepact.accounts.services import create_api_token
from servicepact.assets.configuration import record_component
from servicepact.tickets.testing import user, world

from .conftest import ny

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]


def bearer(u):
    return {"HTTP_AUTHORIZATION": f"Bearer {create_api_token(user=u)[1]}"}


def post(client, url, body, who):
    return client.post(url, data=json.dumps(body), content_type="application/json", **who)


@pytest.fixture
def env():
    w, beta = world(), world(code="beta")
    return w, beta, user("cab1", staff=True), user("cab2", staff=True)


def body(w, **kw):
    data = {
        "title": "BIOS 2.6",
        "assets": [w.asset.pk],
        "planned_start": "2025-06-14T02:00:00-04:00",
        "planned_end": "2025-06-14T04:00:00-04:00",
        "type": "normal",
        "impact": 3,
        "likelihood": 2,
        "impact_description": "Each host reboots once.",
        "implementation_plan": "Flash, reboot.",
        "test_plan": "Check POST.",
        "rollback_plan": "Flash 2.4 back.",
        "configuration": [{"asset": w.asset.pk, "kind": "bios", "name": "BIOS", "version": "2.6"}],
    }
    data.update(kw)
    return data


def test_normal_change_board_then_customer_then_execution(client, env):
    w, _beta, cab1, cab2 = env
    staff = bearer(w.agent)
    created = post(
        client,
        "/api/v1/changes",
        body(w, approvers=[cab1.pk, cab2.pk], board_rule="quorum", board_quorum=1),
        staff,
    )
    assert created.status_code == 201, created.json()
    data = created.json()
    assert data["risk"] == {"impact": 3, "likelihood": 2, "score": 6, "level": "high"}
    assert (data["kind"], data["contract"], data["board"]["required"]) == (
        "normal",
        w.contract.pk,
        True,
    )
    cid = data["id"]
    assert post(client, f"/api/v1/changes/{cid}/start", {}, staff).status_code == 409
    voted = post(
        client, f"/api/v1/changes/{cid}/board", {"approve": True, "note": "ok"}, bearer(cab1)
    )
    assert (voted.status_code, voted.json()["board"]["approved"]) == (200, True)
    approved = client.post(f"/api/v1/changes/{cid}/approve", **bearer(w.contact.user))
    assert approved.json()["status"] == "approved"
    assert approved.json()["actions"] == ["start"]
    for step in ("start", "implement", "verify"):
        r = post(client, f"/api/v1/changes/{cid}/{step}", {"note": step}, staff)
        assert r.status_code == 200, r.json()
    detail = client.get(f"/api/v1/changes/{cid}", **staff).json()
    assert detail["status"] == "done"
    assert [e["kind"] for e in detail["events"]] == [
        "requested",
        "cab_vote",
        "cab_approved",
        "customer_approved",
        "approved",
        "started",
        "implemented",
        "verified",
        "configuration",
    ]
    assert detail["configuration"][0]["applied"] is True
    config = client.get(f"/api/v1/assets/{w.asset.pk}/configuration", **bearer(w.contact.user))
    assert [(c["name"], c["version"]) for c in config.json()["components"]] == [("BIOS", "2.6")]


def test_emergency_change_approved_after_the_fact_over_the_api(client, env):
    w, *_ = env
    staff = bearer(w.agent)
    cid = post(client, "/api/v1/changes", body(w, type="emergency"), staff).json()["id"]
    assert post(client, f"/api/v1/changes/{cid}/start", {}, staff).json()["status"] == "in_progress"
    after = client.post(f"/api/v1/changes/{cid}/approve", **bearer(w.contact.user)).json()
    assert (after["status"], after["approved_after_fact"]) == ("in_progress", True)


@pytest.mark.parametrize(
    ("override", "loc"),
    [
        ({"type": "standard"}, ["body", "template"]),
        ({"type": "sideways"}, ["body", "kind"]),
        ({"approvers": [999999]}, ["body", "approvers"]),
        ({"related_tickets": [999999]}, ["body", "related_tickets"]),
        (
            {"configuration": [{"asset": 1, "kind": "toaster", "name": "x", "version": "1"}]},
            ["body", "configuration", 0, "kind"],
        ),
        ({"impact": 4}, ["body", "impact"]),
    ],
)
def test_bad_input_is_422_naming_the_field(client, env, override, loc):
    w, *_ = env
    if "configuration" in override:
        override["configuration"][0]["asset"] = w.asset.pk
    r = post(client, "/api/v1/changes", body(w, **override), bearer(w.agent))
    assert r.status_code == 422
    assert loc in [e["loc"] for e in r.json()["detail"]]
    assert client.get("/api/v1/changes", **bearer(w.agent)).json()["count"] == 0


def test_tenancy_and_staff_only_steps(client, env):
    w, beta, cab1, _ = env
    staff = bearer(w.agent)
    cid = post(client, "/api/v1/changes", body(w, approvers=[cab1.pk]), staff).json()["id"]
    assert client.get(f"/api/v1/changes/{cid}", **bearer(beta.contact.user)).status_code == 404
    assert (
        post(
            client, f"/api/v1/changes/{cid}/board", {"approve": True}, bearer(beta.contact.user)
        ).status_code
        == 404
    )
    assert (
        post(
            client, f"/api/v1/changes/{cid}/board", {"approve": True}, bearer(w.contact.user)
        ).status_code
        == 403
    )
    assert (
        post(client, f"/api/v1/changes/{cid}/start", {}, bearer(w.contact.user)).status_code == 403
    )
    assert (
        client.get(
            f"/api/v1/assets/{w.asset.pk}/configuration", **bearer(beta.contact.user)
        ).status_code
        == 404
    )


def test_configuration_as_of_a_date_over_the_api(client, env):
    w, *_ = env
    record_component(asset=w.asset, kind="os", name="RHEL", version="9.2", at=ny(2025, 1, 1))
    record_component(asset=w.asset, kind="os", name="RHEL", version="9.4", at=ny(2025, 5, 1))
    staff = bearer(w.agent)
    url = f"/api/v1/assets/{w.asset.pk}/configuration"
    old = client.get(url + "?at=2025-03-01T00:00:00Z", **staff).json()
    assert [c["version"] for c in old["components"]] == ["9.2"]
    assert client.get(url + "?at=2025-03-01T00:00:00", **staff).status_code == 422  # naive
    bad = post(client, url, {"kind": "toaster", "name": "x", "version": "1"}, staff)
    assert (bad.status_code, bad.json()["detail"][0]["loc"]) == (422, ["body", "kind"])
    assert (
        post(
            client, url, {"kind": "os", "name": "RHEL", "version": "9.5"}, bearer(w.contact.user)
        ).status_code
        == 403
    )
    history = client.get(url + "?history=true", **staff).json()["history"]
    assert [c["version"] for c in history] == ["9.2", "9.4"]


def test_releases_api(client, env):
    w, beta, *_ = env
    staff = bearer(w.agent)
    made = post(
        client,
        "/api/v1/releases",
        {
            "contract": w.contract.pk,
            "version": "4.2.0",
            "planned_on": "2025-06-20",
            "notes": {"en": "Faster."},
        },
        staff,
    )
    assert made.status_code == 201, made.json()
    rid = made.json()["id"]
    bad = post(
        client,
        "/api/v1/releases",
        {
            "contract": w.contract.pk,
            "version": "4.3",
            "planned_on": "2025-06-20",
            "notes": {"xx": "?"},
        },
        staff,
    )
    assert (bad.status_code, bad.json()["detail"][0]["loc"]) == (422, ["body", "notes", "xx"])
    assert client.get("/api/v1/releases", **bearer(beta.contact.user)).json()["count"] == 0
    assert client.get(f"/api/v1/releases/{rid}", **bearer(beta.contact.user)).status_code == 404
    assert client.get("/api/v1/releases", **bearer(w.contact.user)).json()["count"] == 1
    assert client.post(f"/api/v1/releases/{rid}/ship", **bearer(w.contact.user)).status_code == 403
    shipped = client.post(f"/api/v1/releases/{rid}/ship", **staff)
    assert (shipped.status_code, shipped.json()["status"]) == (200, "shipped")
    assert client.post(f"/api/v1/releases/{rid}/ship", **staff).status_code == 409


def test_blackouts_api_and_the_conflict_on_the_change(client, env):
    w, beta, *_ = env
    staff = bearer(w.agent)
    url = f"/api/v1/contracts/{w.contract.pk}/blackouts"
    made = post(
        client,
        url,
        {
            "name": "Freeze",
            "starts_at": "2025-06-13T00:00:00-04:00",
            "ends_at": "2025-06-16T00:00:00-04:00",
        },
        staff,
    )
    assert made.status_code == 201
    assert client.get(url, **bearer(beta.contact.user)).status_code == 404
    assert client.get(url, **bearer(w.contact.user)).json()["count"] == 1
    bad = post(
        client,
        url,
        {"name": "x", "starts_at": "2025-06-13T00:00:00Z", "ends_at": "2025-06-12T00:00:00Z"},
        staff,
    )
    assert (bad.status_code, bad.json()["detail"][0]["loc"]) == (422, ["body", "ends_at"])
    cid = post(client, "/api/v1/changes", body(w), staff).json()["id"]
    conflicts = client.get(f"/api/v1/changes/{cid}", **staff).json()["conflicts"]
    assert [(c["kind"], c["blackout"]) for c in conflicts] == [("blackout", made.json()["id"])]
