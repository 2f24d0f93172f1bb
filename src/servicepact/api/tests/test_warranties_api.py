"""/api/v1/warranties and /api/v1/vendor-contracts: staff create, update and extend; a
contact lists and reads only its own assets' warranties (another customer's: 404); bad dates
are a 422 naming the field; the ticket detail shows a warranty-covered ticket and its vendor
clocks (staff only)."""

from __future__ import annotations

from datetime import date

import pytest

from servicepact.assets.models import Asset, WarrantyEntitlement
from servicepact.assets.services import create_vendor_contract
from servicepact.tickets.testing import always_calendar, gold_tier, ny, warranty

from .conftest import Api, open_ticket

pytestmark = pytest.mark.django_db

BODY = {
    "source": "manufacturer",
    "parts_start": "2025-01-01",
    "parts_end": "2027-12-31",
    "labour_start": "2025-01-01",
    "labour_end": "2027-12-31",
    "onsite_start": "2025-01-01",
    "onsite_end": "2027-12-31",
}


def test_staff_create_update_extend_and_contacts_read_their_own(acme, globex):
    staff, mine, theirs = Api(acme.agent), Api(acme.contact.user), Api(globex.contact.user)
    gold = gold_tier()
    created = staff.post("/warranties", {**BODY, "asset": acme.asset.pk, "tier": gold.pk})
    assert created.status_code == 201, created.json()
    w = created.json()
    assert (w["tier"]["name"], w["starts_on"], w["ends_on"], w["extends"]) == (
        "Gold 7x24x4",
        "2025-01-01",
        "2027-12-31",
        None,
    )
    assert (
        mine.post("/warranties", {**BODY, "asset": acme.asset.pk, "tier": gold.pk}).status_code
        == 403
    )
    changed = staff.patch(f"/warranties/{w['id']}", {"onsite_end": "2026-12-31"})
    assert (changed.status_code, changed.json()["onsite_end"]) == (200, "2026-12-31")
    ext = staff.post(f"/warranties/{w['id']}/extensions", {"ends_on": "2029-12-31"})
    assert ext.status_code == 201, ext.json()
    assert (ext.json()["extends"], ext.json()["labour_start"]) == (w["id"], "2028-01-01")
    assert staff.get(f"/assets/{acme.asset.pk}").json()["warranty_end"] == "2029-12-31"

    warranty(globex.asset, gold)
    assert [x["asset"]["hostname"] for x in mine.get("/warranties").json()["items"]] == [
        "acme-srv01",
        "acme-srv01",
    ]
    assert mine.get(f"/warranties/{w['id']}").status_code == 200
    assert theirs.get(f"/warranties/{w['id']}").status_code == 404
    assert theirs.get("/warranties", asset=acme.asset.pk).json()["count"] == 0
    assert staff.get("/warranties").json()["count"] == 3
    assert staff.get("/warranties", customer=globex.customer.pk).json()["count"] == 1
    soon = staff.get("/warranties", expiring_before="2028-06-30").json()
    assert [x["ends_on"] for x in soon["items"]] == ["2027-12-31", "2027-12-31"]


def test_an_end_before_its_start_is_a_422_naming_the_field_and_stores_nothing(acme):
    staff = Api(acme.agent)
    gold = gold_tier()
    base = {**BODY, "asset": acme.asset.pk, "tier": gold.pk}
    for field, start in (("labour_end", "labour_start"), ("onsite_end", "onsite_start"),
                         ("parts_end", "parts_start")):  # fmt: skip
        bad = staff.post("/warranties", {**base, field: "2024-12-31"})
        assert bad.status_code == 422
        assert [(e["loc"][-1], e["msg"]) for e in bad.json()["detail"]] == [
            (field, f"must not be before {start}")
        ]
    half = staff.post("/warranties", {**base, "onsite_end": None})
    assert [e["loc"][-1] for e in half.json()["detail"]] == ["onsite_end"]
    assert WarrantyEntitlement.objects.count() == 0
    w = warranty(acme.asset, gold)
    early = staff.post(f"/warranties/{w.pk}/extensions", {"ends_on": "2027-06-30"})
    assert [e["loc"][-1] for e in early.json()["detail"]] == ["ends_on"]
    assert WarrantyEntitlement.objects.count() == 1


def test_a_warranty_ticket_in_the_detail_with_its_vendor_clock(acme, clock):
    """Spare01 (no contract line) under Gold; Lenovo promises restore within 8 h on 24x7.
    A P2 hardware ticket opened 2025-06-02 08:00 New York: our on-site clock (4 h, due
    12:00) and, beside it, the vendor's restore clock (due 16:00), 1 h used at 09:00.
    A contact sees the coverage but not the vendor clock."""
    spare = Asset.objects.create(customer=acme.customer, site=acme.site, hostname="spare01")
    w = warranty(spare, gold_tier())
    vendor = create_vendor_contract(
        vendor="Lenovo", kind="manufacturer", calendar=always_calendar("vendor 24x7"),
        start_date=date(2025, 1, 1), end_date=date(2027, 12, 31), targets={"restore": 480},
        assets=[spare],
    )  # fmt: skip
    ticket = open_ticket(acme, asset=spare)
    clock.at(ny(2025, 6, 2, 9))
    detail = Api(acme.agent).get(f"/tickets/{ticket.pk}").json()
    assert detail["coverage"]["status"] == "warranty"
    assert (detail["coverage"]["warranty_id"], detail["coverage"]["contract_id"]) == (w.pk, None)
    clocks = {c["metric"]: c["deadline"] for c in detail["clocks"]}
    assert clocks["on_site"] == "2025-06-02T16:00:00Z"
    assert [
        (v["vendor_contract"], v["metric"], v["deadline"], v["elapsed_seconds"], v["state"])
        for v in detail["vendor_clocks"]
    ] == [(vendor.pk, "restore", "2025-06-02T20:00:00Z", 3600, "running")]
    seen = Api(acme.contact.user).get(f"/tickets/{ticket.pk}").json()
    assert (seen["coverage"]["status"], seen["vendor_clocks"]) == ("warranty", [])


def test_vendor_contracts_are_for_staff(acme):
    staff, contact = Api(acme.agent), Api(acme.contact.user)
    calendar = always_calendar("vendor 24x7")
    body = {"vendor": "Lenovo", "kind": "manufacturer", "calendar": calendar.pk,
            "start_date": "2025-01-01", "end_date": "2027-12-31",
            "targets": [{"metric": "restore", "target_minutes": 480}],
            "assets": [acme.asset.pk], "contracts": [acme.contract.pk]}  # fmt: skip
    created = staff.post("/vendor-contracts", body)
    assert created.status_code == 201, created.json()
    assert (created.json()["assets"], created.json()["contracts"]) == (
        [acme.asset.pk],
        [acme.contract.pk],
    )
    assert contact.post("/vendor-contracts", body).status_code == 403
    assert contact.get("/vendor-contracts").status_code == 403
    bad = staff.post(
        "/vendor-contracts", {**body, "targets": [{"metric": "nope", "target_minutes": 5}]}
    )
    assert [e["loc"][-1] for e in bad.json()["detail"]] == ["targets"]
    assert staff.get("/vendor-contracts").json()["count"] == 1
