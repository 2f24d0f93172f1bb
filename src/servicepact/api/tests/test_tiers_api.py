"""/api/v1/replays, /offers and /tco: tenancy (a contact replays its own customer's contract
only; another customer's is 404), validation (422 naming the field), offers for staff."""

from __future__ import annotations

import pytest

from servicepact.billing.testing import june_month, ny
from servicepact.tickets.testing import FR, ONSITE, RES, RESTORE, always_calendar, plan, world
from servicepact.tiers.models import VendorOffer

from .conftest import Api

pytestmark = pytest.mark.django_db


@pytest.fixture
def june(clock):
    june = june_month(clock)
    clock.at(ny(2025, 7, 2, 9))
    return june


def gold():
    return plan(
        always_calendar(),
        code="gold-24x7",
        targets={(1, FR): 15, (1, ONSITE): 240, (1, RESTORE): 240, (1, RES): 480},
    )


def test_replay_over_the_api_with_tenancy_and_validation(june):
    """Staff and Acme's contact get the June figures (own plan: replayed == actual, 13 of 18
    met); Globex's contact gets 404 for Acme's contract; a bad period, a range backwards and
    an unknown plan are 422 naming ``period``, ``period_to`` and ``plan``; nothing stored."""
    other = world(code="globex")
    body = {"contract": june.contract.pk, "period": "2025-06", "plan": june.contract.plan_id}
    for who in (june.world.agent, june.world.contact.user):
        answer = Api(who).post("/replays", body)
        assert answer.status_code == 200, answer.json()
        data = answer.json()
        assert data["replayed"]["compliance"]["overall"]["met"] == 13
        assert data["replayed"] == data["actual"]
    assert Api(other.contact.user).post("/replays", body).status_code == 404
    staff = Api(june.world.agent)
    for field, change in (
        ("period", {"period": "2025-13"}),
        ("period_to", {"period_to": "2025-05"}),
        ("plan", {"plan": 999_999}),
    ):
        bad = staff.post("/replays", {**body, **change})
        assert bad.status_code == 422, bad.json()
        assert field in str(bad.json()["detail"])
    g = gold()
    replayed = staff.post("/replays", {**body, "plan": g.pk, "period_to": "2025-07"}).json()
    assert replayed["periods"] == ["2025-06", "2025-07"]
    assert replayed["plan"] == {"id": g.pk, "name": g.name, "own": False}
    # Under gold, P2-P4 tickets have no targets: fewer clocks, and P1 first response is 15.
    assert (
        replayed["replayed"]["compliance"]["overall"]["total"]
        < (replayed["actual"]["compliance"]["overall"]["total"])
    )
    assert VendorOffer.objects.count() == 0


def test_offers_crud_and_tco(june):
    """Staff create two offers for Acme; its contact lists them, may not create (403);
    Globex's contact sees none and gets 404 for one; TCO of the two ranks them and gives a
    break-even; bad input is 422 on the field."""
    other = world(code="globex")
    g = gold()
    staff, contact = Api(june.world.agent), Api(june.world.contact.user)
    stranger = Api(other.contact.user)
    body = {
        "customer": june.world.customer.pk, "vendor": "Lenovo", "model": "SR650",
        "hardware_price": "10000.00", "currency": "USD", "warranty_years": 3,
        "warranty_plan": june.contract.plan_id, "delivered_by": "manufacturer",
        "extension_prices": ["1500.00", "1800.00"], "repair_cost": "800.00",
    }  # fmt: skip
    standard = staff.post("/offers", body)
    assert standard.status_code == 201, standard.json()
    upgraded = staff.post(
        "/offers",
        {**body, "upgrade_plan": g.pk, "upgrade_price": "4000.00", "delivered_by": "reseller",
         "extension_prices": ["2500.00", "3000.00"]},
    )  # fmt: skip
    assert upgraded.status_code == 201, upgraded.json()
    assert contact.post("/offers", body).status_code == 403
    for field, change in (
        ("currency", {"currency": "XXY"}),
        ("delivered_by", {"delivered_by": "cousin"}),
        ("warranty_plan", {"warranty_plan": 999_999}),
    ):
        bad = staff.post("/offers", {**body, **change})
        assert bad.status_code == 422, bad.json()
        assert field in str(bad.json()["detail"])
    assert contact.get("/offers").json()["count"] == 2
    assert stranger.get("/offers").json()["count"] == 0
    sid, uid = standard.json()["id"], upgraded.json()["id"]
    assert stranger.get(f"/offers/{sid}").status_code == 404
    patched = staff.patch(f"/offers/{sid}", {"service_points": 3})
    assert patched.json()["service_points"] == 3
    assert contact.patch(f"/offers/{sid}", {"service_points": 4}).status_code == 403

    tco = contact.post("/tco", {"offers": [sid, uid], "years": 5, "downtime_cost_per_hour": "100"})
    assert tco.status_code == 200, tco.json()
    data = tco.json()
    assert [len(o["years"]) for o in data["offers"]] == [5, 5]
    assert set(data["ranking"]) == {sid, uid}
    assert data["recommendation"]["cheapest"] == data["ranking"][0]
    assert len(data["sensitivity"]) == 5
    assert stranger.post("/tco", {"offers": [sid]}).status_code == 422
    assert staff.post("/tco", {"offers": [sid], "years": 11}).status_code == 422
    assert staff.client.delete(f"/api/v1/offers/{sid}").status_code == 200
    assert VendorOffer.objects.filter(pk=sid).count() == 0


def test_customer_and_asset_replays_over_the_api(june, clock):
    """``{"customer"}``: both Acme contracts and the totals (staff and Acme's contact; 404
    for Globex's contact); exactly one of contract/customer (422 naming them); assets of
    another customer or not on the contract are 422 on ``assets``; a contract's answer
    without assets is unchanged (no ``assets`` key), with assets it names them; a contact
    may replay under active plans and its own, not under a retired one (422 on ``plan``)."""
    from servicepact.contracts.models import ServicePlan
    from servicepact.tiers.testing import second_contract

    second = second_contract(june, clock)
    other = world(code="globex")
    customer = june.world.customer.pk
    body = {"customer": customer, "period": "2025-06", "plan": june.contract.plan_id}
    staff, contact = Api(june.world.agent), Api(june.world.contact.user)
    for who in (staff, contact):
        answer = who.post("/replays", body)
        assert answer.status_code == 200, answer.json()
        data = answer.json()
        assert [c["contract"]["number"] for c in data["contracts"]] == ["ACME-1", "ACME-2"]
        assert data["totals"]["actual"]["credits"] == {"USD": "180.00"}
        assert data["totals"]["replayed"] == data["totals"]["actual"]
        assert data["assets"] is None
    assert Api(other.contact.user).post("/replays", body).status_code == 404
    both = staff.post("/replays", {**body, "contract": june.contract.pk})
    neither = staff.post("/replays", {"period": "2025-06", "plan": june.contract.plan_id})
    for bad in (both, neither):
        assert bad.status_code == 422, bad.json()
        assert "contract" in str(bad.json()["detail"]) and "customer" in str(bad.json()["detail"])
    for change in (
        {"assets": [other.asset.pk]},
        {"assets": []},
        {"contract": june.contract.pk, "customer": None, "assets": [second.asset.pk]},
    ):
        bad = contact.post("/replays", {**body, **change})
        assert bad.status_code == 422, bad.json()
        assert "assets" in str(bad.json()["detail"])
    filtered = contact.post("/replays", {**body, "assets": [second.asset.pk]}).json()
    assert filtered["totals"]["actual"]["credits"] == {"USD": "45.00"}
    assert filtered["contracts"][0]["actual"]["breach_count"] == 0
    one = {"contract": second.contract.pk, "period": "2025-06", "plan": june.contract.plan_id}
    plain = staff.post("/replays", one).json()
    assert "assets" not in plain and plain["actual"]["credits"] == "45.00"
    mine = staff.post("/replays", {**one, "assets": [second.asset.pk]}).json()
    assert mine["assets"] == [second.asset.pk] and mine["actual"]["credits"] == "45.00"
    retired = gold()
    ServicePlan.objects.filter(pk=retired.pk).update(is_active=False)
    bad = contact.post("/replays", {**one, "plan": retired.pk})
    assert bad.status_code == 422 and "plan" in str(bad.json()["detail"])
    assert staff.post("/replays", {**one, "plan": retired.pk}).status_code == 200
