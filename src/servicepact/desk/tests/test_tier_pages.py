"""The desk's "Compare tiers" and "Vendor offers and TCO" pages: the side-by-side figures,
the recommendation with its chart, the CSV; contacts never see the desk (404)."""

from __future__ import annotations

import pytest

from servicepact.billing.testing import june_month, ny
from servicepact.tickets.testing import FR, ONSITE, RES, RESTORE, always_calendar, login, plan
from servicepact.tiers.services import create_offer, set_downtime_cost

pytestmark = pytest.mark.django_db


@pytest.fixture
def june(clock):
    june = june_month(clock)
    clock.at(ny(2025, 7, 2, 9))
    return june


def test_compare_tiers_page_shows_both_columns(june):
    gold = plan(always_calendar(), code="gold-24x7",
                targets={(1, FR): 15, (1, ONSITE): 240, (1, RESTORE): 240, (1, RES): 480})  # fmt: skip
    client = login(june.world.agent)
    page = client.get(
        "/desk/tiers/compare/",
        {"contract": june.contract.pk, "period": "2025-06", "plan": gold.pk},
    )
    assert page.status_code == 200
    text = page.content.decode()
    assert 'data-testid="replay-summary"' in text and "72.22 %" in text  # the actual column
    bad = client.get(
        "/desk/tiers/compare/", {"contract": june.contract.pk, "period": "June", "plan": gold.pk}
    )
    assert bad.status_code == 422
    assert login(june.world.contact.user).get("/desk/tiers/compare/").status_code == 404


def test_offers_page_with_chart_recommendation_and_csv(june):
    w = june.world
    gold = plan(always_calendar(), code="gold-24x7",
                targets={(1, FR): 15, (1, ONSITE): 240, (1, RESTORE): 240, (1, RES): 480})  # fmt: skip
    common = {"vendor": "Lenovo", "model": "SR650", "hardware_price": "10000", "currency": "USD",
              "warranty_years": 3, "warranty_plan": june.contract.plan, "delivered_by": "manufacturer",
              "repair_cost": "800"}  # fmt: skip
    create_offer(customer=w.customer, **common, extension_prices=["1500", "1800"])
    create_offer(customer=w.customer, **common, upgrade_plan=gold, upgrade_price="4000",
                 extension_prices=["2500", "3000"])  # fmt: skip
    set_downtime_cost(customer=w.customer, cost_per_hour="500", currency="USD")
    client = login(w.agent)
    page = client.get("/desk/tiers/offers/", {"customer": w.customer.pk, "years": 5})
    assert page.status_code == 200
    text = page.content.decode()
    assert 'data-testid="tco-recommendation"' in text and "<svg" in text
    csv = client.get("/desk/tiers/offers/", {"customer": w.customer.pk, "format": "csv"})
    assert csv["Content-Type"] == "text/csv"
    assert len(csv.content.decode("utf-8-sig").strip().splitlines()) == 1 + 2 * 5


def test_compare_tiers_page_for_a_customer_and_some_assets(june, clock):
    """A customer: the totals and one row per contract (180.00 USD of credits); its assets
    offered in the multi-select; only ``acme-srv02``: 45.00; a contract and a customer at
    once, or another customer's asset, are 422."""
    from servicepact.tickets.testing import world
    from servicepact.tiers.testing import second_contract

    second = second_contract(june, clock)
    other = world(code="globex")
    client = login(june.world.agent)
    query = {"customer": june.world.customer.pk, "period": "2025-06",
             "plan": june.contract.plan_id}  # fmt: skip
    page = client.get("/desk/tiers/compare/", query)
    assert page.status_code == 200
    text = page.content.decode()
    assert 'data-testid="replay-totals"' in text and "180.00" in text
    assert "ACME-1" in text and "ACME-2" in text
    assert 'name="assets"' in text and "acme-srv02" in text and "globex-srv01" not in text
    only = client.get("/desk/tiers/compare/", {**query, "assets": [second.asset.pk]})
    assert only.status_code == 200
    totals = only.content.decode().split('data-testid="replay-totals"')[1].split("</table>")[0]
    assert "45.00" in totals and "180.00" not in totals
    both = client.get("/desk/tiers/compare/", {**query, "contract": june.contract.pk})
    assert both.status_code == 422
    stranger = client.get("/desk/tiers/compare/", {**query, "assets": [other.asset.pk]})
    assert stranger.status_code == 422 and "assets" in stranger.content.decode()
