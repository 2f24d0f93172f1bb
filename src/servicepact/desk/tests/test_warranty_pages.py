"""Warranties in the desk and the portal: the asset page's section (add, extend, a refused
form with the field named), the "expiring soon" list, the ticket page's vendor clocks, and the
portal's warranty status per asset (a contact never sees another customer's asset)."""

from __future__ import annotations

from datetime import date

import pytest

from servicepact.assets.models import Asset, WarrantyEntitlement
from servicepact.assets.services import create_vendor_contract, extend_warranty
from servicepact.tickets import services as ts
from servicepact.tickets.testing import always_calendar, gold_tier, login, ny, warranty

pytestmark = pytest.mark.django_db


def _form(tier: int, **over: str) -> dict[str, str]:
    data = {"plan": str(tier), "source": "manufacturer", "parts_start": "2025-01-01",
            "parts_end": "2027-12-31", "labour_start": "2025-01-01", "labour_end": "2027-12-31",
            "onsite_start": "2025-01-01", "onsite_end": "2027-12-31"}  # fmt: skip
    return {f"warranty-{k}": v for k, v in {**data, **over}.items()}


def test_add_extend_and_refuse_on_the_asset_page(acme, agent_client, clock):
    clock.at(ny(2025, 6, 9, 10))
    gold = gold_tier()
    url = f"/desk/assets/{acme.asset.pk}/"
    bad = agent_client.post(url + "warranties/", _form(gold.pk, labour_end="2024-01-01"))
    assert bad.status_code == 422
    assert "must not be before labour_start" in bad.content.decode()
    assert WarrantyEntitlement.objects.count() == 0
    assert agent_client.post(url + "warranties/", _form(gold.pk)).status_code == 302
    w = WarrantyEntitlement.objects.get()
    extend = {"extend-warranty": str(w.pk), "extend-ends_on": "2029-12-31", "extend-on_site": "on"}
    assert agent_client.post(url + "warranties/extend/", extend).status_code == 302
    page = agent_client.get(url).content.decode()
    assert page.count('data-testid="warranty-') == 2  # the entitlement and its extension
    # Gold answers a P3 in 60 min, ACME-1 in 120 business minutes: the warranty covers today.
    assert 'class="cov cov-warranty"' in page
    acme.asset.refresh_from_db()
    assert acme.asset.warranty_end == date(2029, 12, 31)


def test_expiring_soon_lists_what_no_extension_supersedes(acme, agent_client, clock):
    """On 2025-06-09, within 90 days: spare01 (ends 2025-08-31) but not ext01 (extended)."""
    clock.at(ny(2025, 6, 9, 10))
    gold = gold_tier()
    spare = Asset.objects.create(customer=acme.customer, hostname="spare01")
    ext = Asset.objects.create(customer=acme.customer, hostname="ext01")
    soon = warranty(spare, gold, date(2023, 1, 1), date(2025, 8, 31))
    later = warranty(ext, gold, date(2023, 1, 1), date(2025, 8, 1))
    extend_warranty(warranty=later, ends_on=date(2027, 8, 1))
    page = agent_client.get("/desk/warranties/?days=90").content.decode()
    assert f'data-testid="expiring-{soon.pk}"' in page
    assert "ext01" not in page


def test_the_ticket_page_shows_the_vendor_clock_beside_ours(acme, agent_client, clock):
    clock.at(ny(2025, 6, 9, 10))
    spare = Asset.objects.create(customer=acme.customer, site=acme.site, hostname="spare01")
    warranty(spare, gold_tier())
    create_vendor_contract(
        vendor="Lenovo", kind="manufacturer", calendar=always_calendar("vendor 24x7"),
        start_date=date(2025, 1, 1), end_date=date(2027, 12, 31), targets={"restore": 480},
        assets=[spare],
    )  # fmt: skip
    t = ts.open_ticket(customer=acme.customer, asset=spare, subject="x", impact=1, urgency=1)
    page = agent_client.get(f"/desk/tickets/{t.pk}/").content.decode()
    assert 'data-testid="vendor-clock-restore"' in page and "Lenovo" in page
    assert 'data-testid="deadline-on_site"' in page
    assert "Gold 7x24x4 warranty" in page


def test_the_portal_shows_warranty_status_per_asset_and_keeps_tenancy(acme, globex, clock):
    clock.at(ny(2025, 6, 9, 10))
    warranty(acme.asset, gold_tier(), date(2023, 1, 1), date(2026, 3, 31))
    contact = login(acme.contact.user)
    listing = contact.get("/portal/assets/").content.decode()
    assert "Gold 7x24x4 until" in listing
    detail = contact.get(f"/portal/assets/{acme.asset.pk}/").content.decode()
    assert 'data-testid="warranty-status"' in detail and "Gold 7x24x4" in detail
    assert contact.get(f"/portal/assets/{globex.asset.pk}/").status_code == 404
