"""Opening tickets: staff name the customer; a contact opens for its own; errors write nothing."""

from __future__ import annotations

import pytest

from servicepact.tickets.models import SlaClock, Ticket, TicketEvent

from .conftest import ny

pytestmark = pytest.mark.django_db


def _counts():
    return Ticket.objects.count(), TicketEvent.objects.count(), SlaClock.objects.count()


def test_staff_opens_a_ticket_with_coverage_and_clocks(staff, acme, clock):
    """P2 opened Mon 09:00 EDT: first response (60 min) due 10:00, restore (240) 13:00,
    resolution (480) 17:00 — all the same business day; covered by ACME-1 v1."""
    clock.at(ny(2025, 6, 2, 9))
    response = staff.post(
        "/tickets",
        {
            "customer": acme.customer.pk,
            "asset": acme.asset.pk,
            "contact": acme.contact.pk,
            "subject": "RAID degraded",
            "description": "Disk 3 failed",
            "impact": 2,
            "urgency": 2,
        },
    )
    assert response.status_code == 201
    body = response.json()
    assert (body["number"], body["status"], body["priority"], body["priority_name"]) == (
        f"SP-{body['id']:06d}",
        "new",
        2,
        "Urgent",
    )
    assert (body["channel"], body["category"], body["site"]["name"]) == ("api", "hardware", "HQ")
    assert body["opened_by"]["username"] == "acme-agent"
    assert body["coverage"] == {
        "status": "active",
        "explanation": (
            "Asset acme-srv01 is covered by contract ACME-1 (Acme Plan), terms v1 in force "
            "since 2025-01-01, term 2025-01-01 to 2026-12-31."
        ),
        "explanation_code": "active",
        "contract_id": acme.contract.pk,
        "contract_number": "ACME-1",
        "version": 1,
        "expires_on": None,
        "warranty_id": None,  # covered by the contract, not by a warranty
    }
    deadlines = {c["metric"]: c["deadline"] for c in body["clocks"]}
    assert deadlines == {
        "first_response": "2025-06-02T14:00:00Z",
        "restore": "2025-06-02T17:00:00Z",
        "resolution": "2025-06-02T21:00:00Z",
    }
    assert [e["kind"] for e in body["events"]] == ["opened"]


def test_contact_opens_for_its_own_customer_as_itself(acme, acme_contact, clock):
    """No customer or contact given: the contact's customer and the contact itself."""
    clock.at(ny(2025, 6, 2, 9))
    response = acme_contact.post(
        "/tickets", {"asset": acme.asset.pk, "subject": "Fan noise", "category": "hardware"}
    )
    assert response.status_code == 201
    body = response.json()
    assert body["customer"] == {"id": acme.customer.pk, "name": "Acme"}
    assert body["contact"] == {"id": acme.contact.pk, "name": "acme IT"}
    assert (body["impact"], body["urgency"], body["priority"]) == (3, 3, 3)


def test_contact_may_not_open_for_another_customer_or_set_priority(acme, acme_contact, globex):
    """Naming another customer or a priority is 403; nothing is written."""
    before = _counts()
    other = acme_contact.post("/tickets", {"customer": globex.customer.pk, "subject": "x"})
    assert other.status_code == 403
    assert other.json() == {"detail": "A contact opens tickets for its own customer only."}
    prio = acme_contact.post("/tickets", {"subject": "x", "priority": 1})
    assert prio.status_code == 403
    assert _counts() == before


def test_staff_must_name_the_customer(staff):
    """Staff without customer: 422 at body.customer."""
    response = staff.post("/tickets", {"subject": "x"})
    assert response.json()["detail"] == [
        {"loc": ["body", "customer"], "msg": "required", "type": "invalid"}
    ]


def test_asset_of_another_customer_is_422_and_nothing_is_written(staff, acme, globex):
    """Staff: the service names the asset; a contact cannot even see it (no such asset)."""
    before = _counts()
    response = staff.post(
        "/tickets", {"customer": acme.customer.pk, "asset": globex.asset.pk, "subject": "x"}
    )
    assert response.status_code == 422
    assert response.json()["detail"] == [
        {
            "loc": ["body", "asset"],
            "msg": "asset globex-srv01 does not belong to Acme",
            "type": "invalid",
        }
    ]
    assert _counts() == before


def test_contact_naming_an_invisible_asset_is_422(acme_contact, globex):
    """For a contact another customer's asset does not exist: 422 'no asset with id N'."""
    response = acme_contact.post("/tickets", {"asset": globex.asset.pk, "subject": "x"})
    assert response.status_code == 422
    assert response.json()["detail"][0] == {
        "loc": ["body", "asset"],
        "msg": f"no asset with id {globex.asset.pk}",
        "type": "invalid",
    }


def test_impact_7_and_empty_subject_are_named_and_nothing_is_written(staff, acme):
    """Every bad field is listed (service validation collects them all)."""
    before = _counts()
    response = staff.post(
        "/tickets", {"customer": acme.customer.pk, "subject": " ", "impact": 7, "channel": "fax"}
    )
    assert response.status_code == 422
    assert {(tuple(e["loc"]), e["msg"]) for e in response.json()["detail"]} == {
        (("body", "subject"), "must not be empty"),
        (("body", "impact"), "must be 1 (highest) to 4 (lowest)"),
        (("body", "channel"), "must be one of portal, email, phone, chat, onsite, api, monitoring"),
    }
    assert _counts() == before


def test_wrong_types_are_422_in_the_same_shape(staff, acme):
    """Pydantic's own errors use the same {loc, msg, type} items (loc without the param name)."""
    response = staff.post("/tickets", {"customer": acme.customer.pk, "impact": "high"})
    assert response.status_code == 422
    assert {tuple(e["loc"]): e["type"] for e in response.json()["detail"]} == {
        ("body", "subject"): "missing",
        ("body", "impact"): "int_parsing",
    }


def test_user_without_a_role_cannot_open(stranger):
    """Logged in but neither staff nor a contact: 403."""
    assert stranger.post("/tickets", {"subject": "x"}).status_code == 403
