"""/api/v1/backups/policies: staff creates, everyone reads within tenancy, state as of now."""

from __future__ import annotations

from django.test import Client

from servicepact.assets.models import Asset
from servicepact.backups.tests.conftest import policy, post_runs, run, utc
from servicepact.tickets.testing import login

URL = "/api/v1/backups/policies"


def test_create_list_and_tenancy(acme, globex, generic_token, clock):
    clock.at(utc(2025, 6, 2, 6))
    staff = login(acme.agent)
    body = {
        "contract": acme.contract.pk,
        "asset": acme.asset.pk,
        "name": "nightly",
        "window_minutes": 1440,
        "retention_days": 30,
        "copies": ["local", "offsite"],
        "effective_from": "2025-06-01T00:00:00Z",
    }
    created = staff.post(URL, body, content_type="application/json")
    assert created.status_code == 201, created.content
    assert created.json()["copies"] == ["local", "offsite"]
    post_runs(
        Client(), "generic", {"runs": [run("a", finished=utc(2025, 6, 2, 1, 40))]}, generic_token
    )
    policy(globex, name="other")
    mine = login(acme.contact.user).get(URL).json()
    assert mine["count"] == 1
    state = {s["location"]: s for s in mine["items"][0]["state"]}
    assert state["local"]["achieved_rpo_seconds"] == 5 * 3600 and state["local"]["overdue"] is False
    assert state["offsite"]["last_good_run"] is None and state["offsite"]["overdue"] is True
    assert login(globex.contact.user).get(URL).json()["count"] == 1
    assert (
        login(acme.contact.user).post(URL, body, content_type="application/json").status_code == 403
    )


def test_bad_policies_are_422_naming_the_field(acme, clock):
    clock.at(utc(2025, 6, 2))
    staff = login(acme.agent)
    stray = Asset.objects.create(customer=acme.customer, site=acme.site, hostname="not-on-contract")
    body = {
        "contract": acme.contract.pk,
        "asset": stray.pk,
        "name": "n",
        "window_minutes": 60,
        "retention_days": 1,
    }
    response = staff.post(URL, body, content_type="application/json")
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][-1] == "asset"
    empty = staff.post(
        URL, {**body, "asset": acme.asset.pk, "copies": []}, content_type="application/json"
    )
    assert empty.status_code == 422
    zero = staff.post(
        URL, {**body, "asset": acme.asset.pk, "window_minutes": 0}, content_type="application/json"
    )
    assert zero.status_code == 422 and zero.json()["detail"][0]["loc"][-1] == "window_minutes"
