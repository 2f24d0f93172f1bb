"""/api/v1/parts (the catalogue) and /api/v1/stock: staff-only catalogue and stock (403 for a
contact), a contact's own reservations, RMAs and loaners (another customer's are 404),
reserve beyond available is a 422 naming ``quantity``."""

from __future__ import annotations

import pytest

from servicepact.assets.models import Asset
from servicepact.billing.models import PartUse
from servicepact.customers.models import Customer
from servicepact.stock.models import StockMovement
from servicepact.tickets import services as ts
from servicepact.tickets.testing import ny, world

from .conftest import Api

pytestmark = pytest.mark.django_db


def _setup(clock):
    clock.at(ny(2025, 6, 2, 9))
    acme, globex = world(code="acme"), world(code="globex")
    staff = Api(acme.agent)
    depot = staff.post("/stock/depots", {"name": "NY", "timezone": "America/New_York"}).json()
    part = staff.post(
        "/parts",
        {"part_number": "PSU-1", "description": "PSU 800 W", "unit_cost": "80.00",
         "currency": "USD", "compatible_models": ["R740"], "delivery_days": 2},
    ).json()  # fmt: skip
    assert (
        staff.post(
            "/stock/receive", {"part": part["id"], "depot": depot["id"], "quantity": 3}
        ).status_code
        == 201
    )
    return acme, globex, staff, depot, part


def test_the_catalogue_and_stock_are_staff_only(clock):
    acme, _globex, staff, _depot, part = _setup(clock)
    contact = Api(acme.contact.user)
    assert part["unit_cost"] == "80.00" and part["compatible_models"] == ["R740"]
    for path in (
        "/parts",
        f"/parts/{part['id']}",
        "/stock/balances",
        "/stock/movements",
        "/stock/depots",
    ):
        assert contact.get(path).status_code == 403, path
        assert Api().get(path).status_code == 401, path
    assert contact.post("/parts", {"part_number": "X", "description": "Y", "unit_cost": "1",
                                   "currency": "USD"}).status_code == 403  # fmt: skip
    listed = staff.get("/parts", model="R740").json()
    assert [p["part_number"] for p in listed["items"]] == ["PSU-1"]
    assert staff.get("/parts", model="R999").json()["count"] == 0
    detail = staff.get(f"/parts/{part['id']}").json()
    assert [(b["depot"]["name"], b["on_hand"], b["available"]) for b in detail["balances"]] == [
        ("NY", 3, 3)
    ]


def test_catalogue_validation_names_the_field(clock):
    _acme, _globex, staff, _depot, _part = _setup(clock)
    body = {"part_number": "NEW", "description": "New", "unit_cost": "1.00", "currency": "USD"}
    for field, value in (("currency", "XXX"), ("unit_cost", "1.001"), ("part_number", "PSU-1"),
                         ("unit_cost", "-1")):  # fmt: skip
        bad = staff.post("/parts", {**body, field: value})
        assert bad.status_code == 422, (field, bad.json())
        assert {e["loc"][-1] for e in bad.json()["detail"]} == {field}


def test_reserve_beyond_available_is_422_on_quantity_and_stores_nothing(clock):
    acme, _globex, staff, depot, part = _setup(clock)
    ticket = ts.open_ticket(customer=acme.customer, asset=acme.asset, subject="PSU", priority=2)
    body = {"ticket": ticket.pk, "part": part["id"], "depot": depot["id"], "quantity": 4}
    before = StockMovement.objects.count()
    bad = staff.post("/stock/reservations", body)
    assert bad.status_code == 422
    assert [e["loc"][-1] for e in bad.json()["detail"]] == ["quantity"]
    assert StockMovement.objects.count() == before
    made = staff.post("/stock/reservations", {**body, "quantity": 2})
    assert made.status_code == 201
    r = made.json()
    assert (r["status"], r["quantity"], r["work_order_id"]) == ("reserved", 2, None)
    balances = staff.get("/stock/balances").json()["items"]
    assert [(b["on_hand"], b["reserved"], b["available"]) for b in balances] == [(3, 2, 1)]
    released = staff.post(f"/stock/reservations/{r['id']}/release").json()
    assert released["status"] == "released" and PartUse.objects.count() == 0
    again = staff.post("/stock/reservations", {**body, "quantity": 1}).json()
    consumed = staff.post(f"/stock/reservations/{again['id']}/consume", {}).json()
    assert consumed["status"] == "consumed" and PartUse.objects.count() == 1
    assert consumed["part_use"] == PartUse.objects.get().pk
    assert staff.post(f"/stock/reservations/{again['id']}/release").status_code == 409
    adjust = staff.post(
        "/stock/adjust", {"part": part["id"], "depot": depot["id"], "delta": -5, "reason": "count"}
    )
    assert adjust.status_code == 422 and adjust.json()["detail"][0]["loc"][-1] == "delta"
    kinds = [m["kind"] for m in staff.get("/stock/movements", part=part["id"]).json()["items"]]
    assert kinds == ["consumed", "reserved", "released", "reserved", "received"]


def test_a_contact_reads_its_own_reservations_rmas_and_loaners_only(clock):
    acme, globex, staff, depot, part = _setup(clock)
    mine = ts.open_ticket(customer=acme.customer, asset=acme.asset, subject="PSU", priority=2)
    theirs = ts.open_ticket(customer=globex.customer, asset=globex.asset, subject="PSU", priority=2)
    ids = {}
    for name, ticket in (("mine", mine), ("theirs", theirs)):
        ids[name] = staff.post("/stock/reservations", {"ticket": ticket.pk, "part": part["id"],
                                                        "depot": depot["id"]}).json()["id"]  # fmt: skip
        rma = staff.post("/stock/rmas", {"ticket": ticket.pk, "part": part["id"], "depot": depot["id"],
                                         "faulty_serial": f"OLD-{name}", "replacement_serial": f"NEW-{name}"})  # fmt: skip
        assert rma.status_code == 201, rma.json()
    house = Asset.objects.create(
        customer=Customer.objects.create(name="Pool", code="pool", timezone="UTC"),
        hostname="spare-1",
    )
    loan = staff.post("/stock/loaners", {"asset": house.pk, "customer": globex.customer.pk,
                                         "lent_on": "2025-06-01", "due_back_on": "2025-06-01"})  # fmt: skip
    assert loan.status_code == 201 and loan.json()["overdue"] is True  # due yesterday (2 Jun)
    contact = Api(acme.contact.user)
    assert [r["id"] for r in contact.get("/stock/reservations").json()["items"]] == [ids["mine"]]
    assert [r["faulty_serial"] for r in contact.get("/stock/rmas").json()["items"]] == ["OLD-mine"]
    assert contact.get("/stock/loaners").json()["count"] == 0
    assert contact.post(f"/stock/reservations/{ids['theirs']}/release").status_code == 404
    assert contact.post(f"/stock/reservations/{ids['mine']}/release").status_code == 403
    assert (
        contact.post(
            f"/stock/loaners/{loan.json()['id']}/return", {"returned_on": "2025-06-02"}
        ).status_code
        == 404
    )
    other = Api(globex.contact.user)
    assert [
        x["asset"]["name"] for x in other.get("/stock/loaners", overdue=True).json()["items"]
    ] == ["spare-1"]
    bad = staff.post("/stock/loaners", {"asset": globex.asset.pk, "customer": globex.customer.pk,
                                        "lent_on": "2025-06-01", "due_back_on": "2025-05-01"})  # fmt: skip
    assert {e["loc"][-1] for e in bad.json()["detail"]} == {"asset", "due_back_on"}


def test_rma_status_over_the_api(clock):
    acme, _globex, staff, depot, part = _setup(clock)
    ticket = ts.open_ticket(customer=acme.customer, asset=acme.asset, subject="PSU", priority=2)
    rma = staff.post("/stock/rmas", {"ticket": ticket.pk, "part": part["id"], "depot": depot["id"],
                                     "faulty_serial": "A", "replacement_serial": "B"}).json()  # fmt: skip
    assert staff.post(f"/stock/rmas/{rma['id']}/status", {"status": "credited"}).status_code == 409
    sent = staff.post(
        f"/stock/rmas/{rma['id']}/status", {"status": "sent", "vendor_reference": "V1"}
    )
    assert sent.json()["status"] == "sent" and sent.json()["vendor_reference"] == "V1"
    assert (
        Api(acme.contact.user)
        .post(f"/stock/rmas/{rma['id']}/status", {"status": "closed"})
        .status_code
        == 403
    )
