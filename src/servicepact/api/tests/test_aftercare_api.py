"""/api/v1/surveys, /followups and /guarantee-claims: tenancy (another customer's rows are
404), staff-only follow-ups, validation with field names, the claim window."""

from __future__ import annotations

import pytest

from servicepact.accounts.choices import StaffRole
from servicepact.accounts.models import StaffProfile
from servicepact.aftercare.models import FollowUp, GuaranteeClaim, Survey
from servicepact.aftercare.services import create_followups
from servicepact.api.tests.conftest import Api, open_ticket
from servicepact.tickets.services import acknowledge_ticket, resolve_ticket
from servicepact.tickets.testing import ny, user

pytestmark = pytest.mark.django_db


def resolved(w, clock, day=2):
    clock.at(ny(2025, 6, day, 9))
    ticket = open_ticket(w)
    acknowledge_ticket(ticket=ticket, actor=w.agent)
    clock.at(ny(2025, 6, day, 15))
    return resolve_ticket(ticket=ticket, actor=w.agent, resolution="fixed")


def test_surveys_tenancy_and_validation(acme, globex, clock, acme_contact, globex_contact, staff):
    mine = resolved(acme, clock)
    theirs = resolved(globex, clock)
    bad = acme_contact.post("/surveys", {"ticket": mine.pk, "score": 6})
    assert bad.status_code == 422
    created = acme_contact.post("/surveys", {"ticket": mine.pk, "score": 4, "comment": "ok"})
    assert created.status_code == 201, created.content
    assert created.json()["score"] == 4
    assert acme_contact.post("/surveys", {"ticket": mine.pk, "score": 2}).status_code == 409
    refused = acme_contact.post("/surveys", {"ticket": theirs.pk, "score": 1})
    assert refused.status_code == 422
    assert refused.json()["detail"][0]["loc"][-1] == "ticket"
    survey = Survey.objects.get(ticket=mine)
    assert acme_contact.get(f"/surveys/{survey.pk}").status_code == 200
    assert globex_contact.get(f"/surveys/{survey.pk}").status_code == 404
    assert globex_contact.get("/surveys").json()["items"] == []
    assert [s["id"] for s in staff.get("/surveys").json()["items"]] == [survey.pk]


def test_followups_are_staff_only(acme, clock, acme_contact, staff):
    ticket = resolved(acme, clock)
    create_followups(now=ny(2025, 6, 2, 16))
    followup = FollowUp.objects.get(ticket=ticket)
    assert acme_contact.get("/followups").status_code == 403
    listed = staff.get("/followups", status="open").json()
    assert [f["id"] for f in listed["items"]] == [followup.pk]
    assert staff.get("/followups", status="nope").status_code == 422
    bad = staff.post(f"/followups/{followup.pk}/outcome", {"outcome": "maybe"})
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["loc"][-1] == "outcome"
    done = staff.post(f"/followups/{followup.pk}/outcome", {"outcome": "satisfied", "note": "fine"})
    assert done.status_code == 200
    assert (done.json()["status"], done.json()["outcome"]) == ("done", "satisfied")
    assert (
        staff.post(f"/followups/{followup.pk}/outcome", {"outcome": "reached"}).status_code == 409
    )


def test_claims_window_decision_and_tenancy(
    acme, globex, clock, acme_contact, globex_contact, staff
):
    """Resolved Mon 2 Jun: 9 Jun (day 7) accepted; a second ticket resolved 2 Jun claimed
    10 Jun (day 8): 422 on ``ticket``. Only a manager decides (403 for an agent)."""
    first = resolved(acme, clock)
    second = resolved(acme, clock)
    clock.at(ny(2025, 6, 9, 23))
    body = {"ticket": first.pk, "kind": "refund", "amount": "99.99", "reason": "slow"}
    created = acme_contact.post("/guarantee-claims", body)
    assert created.status_code == 201, created.content
    assert (created.json()["amount"], created.json()["currency"]) == ("99.99", "USD")
    clock.at(ny(2025, 6, 10, 0, 1))
    late = acme_contact.post("/guarantee-claims", {**body, "ticket": second.pk})
    assert late.status_code == 422
    assert late.json()["detail"][0]["loc"][-1] == "ticket"
    claim = GuaranteeClaim.objects.get()
    assert globex_contact.get(f"/guarantee-claims/{claim.pk}").status_code == 404
    assert (
        globex_contact.post(f"/guarantee-claims/{claim.pk}/approve", {"reason": "x"}).status_code
        == 404
    )
    assert staff.post(f"/guarantee-claims/{claim.pk}/approve", {"reason": "ok"}).status_code == 403
    boss = user("boss", staff=True)
    StaffProfile.objects.create(user=boss, role=StaffRole.BILLING)
    approved = Api(boss).post(f"/guarantee-claims/{claim.pk}/approve", {"reason": "ok"})
    assert approved.status_code == 200
    assert approved.json()["status"] == "approved"
    assert (
        Api(boss).post(f"/guarantee-claims/{claim.pk}/decline", {"reason": "no"}).status_code == 409
    )
    assert [c["id"] for c in acme_contact.get("/guarantee-claims").json()["items"]] == [claim.pk]
    assert globex_contact.get("/guarantee-claims").json()["items"] == []
