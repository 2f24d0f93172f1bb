"""Customers, sites and contacts: staff create and edit; a contact reads its own customer."""

from __future__ import annotations

import pytest

from servicepact.customers.models import Contact, Customer, Site
from servicepact.tickets.testing import user

pytestmark = pytest.mark.django_db


def test_staff_creates_reads_and_edits_a_customer(staff):
    """POST 201 with the stored fields; GET returns them; PATCH changes only what is sent."""
    created = staff.post(
        "/customers",
        {"name": "Initech", "code": "initech", "timezone": "Europe/Berlin", "notes": "VIP"},
    )
    assert created.status_code == 201
    body = created.json()
    assert {k: body[k] for k in ("name", "code", "timezone", "is_active", "notes")} == {
        "name": "Initech",
        "code": "initech",
        "timezone": "Europe/Berlin",
        "is_active": True,
        "notes": "VIP",
    }
    assert staff.get(f"/customers/{body['id']}").json()["name"] == "Initech"
    patched = staff.patch(f"/customers/{body['id']}", {"is_active": False})
    assert patched.status_code == 200
    assert (patched.json()["is_active"], patched.json()["timezone"]) == (False, "Europe/Berlin")


def test_customer_list_filters_and_paginates(staff, globex):
    """q matches name or code; limit/offset page through {"items", "count"} ordered by name."""
    assert [c["code"] for c in staff.get("/customers").json()["items"]] == ["acme", "globex"]
    assert staff.get("/customers", q="glob").json()["count"] == 1
    second = staff.get("/customers", limit=1, offset=1).json()
    assert (second["count"], [c["code"] for c in second["items"]]) == (2, ["globex"])


def test_contact_sees_only_its_customer_without_provider_notes(acme, acme_contact, globex):
    """A contact's list has its own customer only, and notes come back null."""
    Customer.objects.filter(pk=acme.customer.pk).update(notes="late payer")
    body = acme_contact.get("/customers").json()
    assert body["count"] == 1
    assert (body["items"][0]["code"], body["items"][0]["notes"]) == ("acme", None)


def test_invalid_customer_is_422_naming_fields(staff):
    """Unknown zone, bad slug and a duplicate code are all named; nothing is stored."""
    response = staff.post("/customers", {"name": "X", "code": "acme", "timezone": "Mars/Base"})
    assert response.status_code == 422
    locs = {tuple(e["loc"]) for e in response.json()["detail"]}
    assert locs == {("body", "code"), ("body", "timezone")}
    bad_slug = staff.post("/customers", {"name": "Y", "code": "not a slug"})
    assert [e["loc"] for e in bad_slug.json()["detail"]] == [["body", "code"]]
    assert Customer.objects.count() == 1


def test_contact_may_not_create_or_edit_customers(acme, acme_contact):
    """Creating is 403; editing its own (visible) customer is 403 too; nothing changes."""
    assert acme_contact.post("/customers", {"name": "Z", "code": "z"}).status_code == 403
    response = acme_contact.patch(f"/customers/{acme.customer.pk}", {"name": "Hacked"})
    assert response.status_code == 403
    assert response.json() == {"detail": "Only provider staff may edit customers."}
    assert Customer.objects.get(pk=acme.customer.pk).name == "Acme"


def test_sites_create_list_edit(staff, acme, globex):
    """A site belongs to a customer and has its own zone; the list filters by customer."""
    created = staff.post(
        "/sites", {"customer": acme.customer.pk, "name": "DC2", "timezone": "America/Chicago"}
    )
    assert created.status_code == 201
    assert created.json()["customer"] == {"id": acme.customer.pk, "name": "Acme"}
    listed = staff.get("/sites", customer=acme.customer.pk).json()
    assert [s["name"] for s in listed["items"]] == ["DC2", "HQ"]
    patched = staff.patch(f"/sites/{created.json()['id']}", {"address": "1 Main St"})
    assert patched.json()["address"] == "1 Main St"
    duplicate = staff.post(
        "/sites", {"customer": acme.customer.pk, "name": "HQ", "timezone": "UTC"}
    )
    assert duplicate.status_code == 422
    assert Site.objects.filter(customer=acme.customer).count() == 2


def test_contacts_create_with_login_and_edit(staff, acme):
    """A contact may be linked to a (non-staff) user; the API shows it and its local zone."""
    login = user("acme-ops")
    created = staff.post(
        "/contacts",
        {
            "customer": acme.customer.pk,
            "name": "Ops desk",
            "email": "ops@acme.test",
            "site": acme.site.pk,
            "user": login.pk,
        },
    )
    assert created.status_code == 201
    body = created.json()
    assert body["user"] == {"id": login.pk, "username": "acme-ops", "name": "acme-ops"}
    assert (body["site"]["name"], body["local_timezone"]) == ("HQ", "America/New_York")
    patched = staff.patch(f"/contacts/{body['id']}", {"timezone": "Europe/Paris"})
    assert patched.json()["local_timezone"] == "Europe/Paris"


def test_contact_with_another_customers_site_or_staff_user_is_422(staff, acme, globex):
    """The site must be the customer's own and the login a customer user; nothing stored."""
    before = Contact.objects.count()
    wrong_site = staff.post(
        "/contacts", {"customer": acme.customer.pk, "name": "X", "site": globex.site.pk}
    )
    assert wrong_site.status_code == 422
    assert wrong_site.json()["detail"][0]["loc"] == ["body", "site"]
    staff_login = staff.post(
        "/contacts", {"customer": acme.customer.pk, "name": "X", "user": acme.agent.pk}
    )
    assert staff_login.json()["detail"] == [
        {
            "loc": ["body", "user"],
            "msg": "provider staff cannot be a customer contact",
            "type": "invalid",
        }
    ]
    assert Contact.objects.count() == before


def test_contact_lists_only_its_customers_sites_and_contacts(acme, acme_contact, globex):
    """Lists are scoped: Acme's contact sees Acme's HQ and Acme's contact only."""
    sites = acme_contact.get("/sites").json()
    assert [(s["customer"]["name"], s["name"]) for s in sites["items"]] == [("Acme", "HQ")]
    contacts = acme_contact.get("/contacts").json()
    assert [c["name"] for c in contacts["items"]] == ["acme IT"]
