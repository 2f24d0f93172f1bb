"""The demo's vendor offers (demo/tiers_seed.py): the hardware customer's standard NBD and
gold upgrade offers and its downtime cost give the TCO page numbers and a recommendation.
(Run on the test worlds: the whole ``seed_demo`` takes minutes.)"""

from __future__ import annotations

from types import SimpleNamespace

from servicepact.core.testing import ny
from servicepact.demo.tiers_seed import seed_tiers
from servicepact.tickets.testing import acme, globex  # noqa: F401 (fixtures)
from servicepact.tiers.models import VendorOffer
from servicepact.tiers.report import tco_report


def test_demo_offers_compare_over_five_years(clock, acme, globex):  # noqa: F811
    clock.at(ny(2025, 7, 15, 9))
    seed_tiers(SimpleNamespace(customer=globex.customer, contract=globex.contract), acme.contract,
               lambda _: None)  # fmt: skip
    offers = list(VendorOffer.objects.filter(customer=globex.customer).order_by("pk"))
    assert [o.tier for o in offers] == [globex.contract.plan, acme.contract.plan]
    report = tco_report(offers=offers, years=5, rate=None, now=ny(2025, 7, 15, 9))
    assert report["downtime_cost_per_hour"] == "8000.00"
    assert [len(o["years"]) for o in report["offers"]] == [5, 5]
    # Purchase 4 x 98,000 in year 1 for both; the gold offer adds 4 x 21,000.
    assert [o["years"][0]["purchase"] for o in report["offers"]] == ["392000.00", "392000.00"]
    assert report["offers"][1]["years"][0]["warranty"] == "84000.00"
    assert report["recommendation"]["text"]
