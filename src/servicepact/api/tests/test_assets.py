"""Assets: create, edit, list with filters, and the coverage a ticket on it would get."""

from __future__ import annotations

import pytest

from servicepact.assets.models import Asset

pytestmark = pytest.mark.django_db


def test_create_and_edit_an_asset(staff, acme):
    """201 with the stored fields; PATCH changes the vendor only."""
    created = staff.post(
        "/assets",
        {
            "customer": acme.customer.pk,
            "hostname": "db01",
            "site": acme.site.pk,
            "kind": "storage",
            "serial_number": "SN-1",
            "ip_address": "10.0.0.5",
            "labels": {"rack": "A3"},
        },
    )
    assert created.status_code == 201
    body = created.json()
    assert (body["hostname"], body["kind"], body["ip_address"], body["labels"]) == (
        "db01",
        "storage",
        "10.0.0.5",
        {"rack": "A3"},
    )
    assert body["contract_lines"] == []
    patched = staff.patch(f"/assets/{body['id']}", {"vendor": "Dell"})
    assert (patched.json()["vendor"], patched.json()["serial_number"]) == ("Dell", "SN-1")


def test_invalid_asset_is_422_and_not_stored(staff, acme, globex):
    """Unknown kind, duplicate hostname and another customer's site are named."""
    before = Asset.objects.count()
    kind = staff.post("/assets", {"customer": acme.customer.pk, "hostname": "x", "kind": "toaster"})
    assert kind.json()["detail"][0]["loc"] == ["body", "kind"]
    dup = staff.post("/assets", {"customer": acme.customer.pk, "hostname": "acme-srv01"})
    assert dup.status_code == 422
    site = staff.post(
        "/assets", {"customer": acme.customer.pk, "hostname": "y", "site": globex.site.pk}
    )
    assert site.json()["detail"][0]["loc"] == ["body", "site"]
    assert Asset.objects.count() == before


def test_asset_list_filters(staff, acme, globex):
    """customer, contract and q (hostname/serial) filter the list."""
    assert staff.get("/assets").json()["count"] == 2
    by_customer = staff.get("/assets", customer=globex.customer.pk).json()
    assert [a["hostname"] for a in by_customer["items"]] == ["globex-srv01"]
    by_contract = staff.get("/assets", contract=acme.contract.pk).json()
    assert [a["hostname"] for a in by_contract["items"]] == ["acme-srv01"]
    assert staff.get("/assets", q="srv01").json()["count"] == 2


def test_coverage_explains_which_contract_applies(acme_contact, acme):
    """Now (2025-06-02) the asset is covered by ACME-1 v1; P2 for impact 2 x urgency 2."""
    body = acme_contact.get(f"/assets/{acme.asset.pk}/coverage", impact=2, urgency=2).json()
    assert body == {
        "at": "2025-06-02T12:00:00Z",
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
        "priority": 2,
        "priority_name": "Urgent",
        "warranty_id": None,
    }
    chinese = acme_contact.client.get(
        acme_contact._url(f"/assets/{acme.asset.pk}/coverage"),
        headers={"Accept-Language": "zh-Hans"},
    ).json()
    assert chinese["explanation_code"] == "active"
    assert chinese["explanation"].startswith("资产 acme-srv01 由合同 ACME-1")


def test_coverage_in_grace_and_out_of_contract(staff, acme):
    """10 days after the term (grace 30): in grace; 40 days after: out of contract."""
    url = f"/assets/{acme.asset.pk}/coverage"
    grace = staff.get(url, at="2027-01-10T12:00:00-05:00").json()
    assert (grace["status"], grace["expires_on"]) == ("grace", "2026-12-31")
    out = staff.get(url, at="2027-02-10T12:00:00-05:00").json()
    assert (out["status"], out["contract_number"], out["priority"]) == ("out_of_contract", None, 3)
