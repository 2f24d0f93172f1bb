"""Renewal proposals over /api/v1/renewals, with tenancy and the usual error codes."""

from __future__ import annotations

from datetime import date

import pytest

from servicepact.billing.testing_commerce import shop
from servicepact.contracts.models import Contract
from servicepact.tickets.testing import ny, world

from .conftest import Api

pytestmark = pytest.mark.django_db


def test_renewal_proposal_from_staff_to_the_contact_over_the_api(clock):
    s = shop(clock)
    Contract.objects.filter(pk=s.contract.pk).update(end_date=date(2025, 12, 31))
    other = world(code="globex")
    staff, boss = Api(s.world.agent), Api(s.manager)
    contact, stranger = Api(s.world.contact.user), Api(other.contact.user)
    clock.at(ny(2025, 11, 3, 10))
    body = {"contract": s.contract.pk, "end_date": "2026-12-31", "fee_amount": "3300"}
    assert contact.post("/renewals", body).status_code == 403
    assert staff.post("/renewals", {**body, "end_date": "2025-06-30"}).status_code == 422
    missing = staff.post("/renewals", {**body, "contract": other.contract.pk + 99})
    assert missing.status_code == 422 and "contract" in str(missing.json())
    created = staff.post("/renewals", body)
    assert created.status_code == 201, created.json()
    proposal = created.json()
    rid = proposal["id"]
    assert proposal["allowed"] == ["send", "withdraw"]
    assert proposal["summary"]["tickets_opened"] == 1
    assert contact.get(f"/renewals/{rid}").status_code == 404  # not sent yet
    assert contact.get("/renewals").json()["count"] == 0
    assert staff.post(f"/renewals/{rid}/send").status_code == 403  # an agent
    assert boss.post(f"/renewals/{rid}/send").json()["status"] == "sent"
    assert stranger.get(f"/renewals/{rid}").status_code == 404
    assert stranger.post(f"/renewals/{rid}/accept", {}).status_code == 404
    assert staff.post(f"/renewals/{rid}/accept", {}).status_code == 403
    accepted = contact.post(f"/renewals/{rid}/accept", {"note": "ok"}).json()
    assert (accepted["status"], accepted["version"], accepted["answer_note"]) == (
        "accepted",
        2,
        "ok",
    )
    assert contact.post(f"/renewals/{rid}/accept", {}).status_code == 409
    assert contact.post(f"/renewals/{rid}/decline", {}).status_code == 409
    assert contact.get("/renewals").json()["count"] == 1
    assert contact.get("/renewals", status="nope").status_code == 422
    s.contract.refresh_from_db()
    assert s.contract.end_date == date(2026, 12, 31)


def test_renewal_risk_is_staff_only(clock):
    s = shop(clock)
    Contract.objects.filter(pk=s.contract.pk).update(end_date=date(2025, 8, 31))
    assert Api(s.world.contact.user).get("/renewals/risk").status_code == 403
    items = Api(s.world.agent).get("/renewals/risk").json()["items"]
    assert [i["contract_number"] for i in items] == [s.contract.number]
    assert items[0]["score"] == sum(r["weight"] for r in items[0]["reasons"])
