"""Parts used on tickets over /api/v1/part-uses: staff record and delete, contacts read their
own customer's, another customer's are 404; a billable part reaches the month's charge."""

from __future__ import annotations

import pytest

from servicepact.billing.commercial import close_month_charges
from servicepact.billing.models import PartUse
from servicepact.billing.periods import Period
from servicepact.billing.testing_commerce import shop
from servicepact.tickets.testing import ny, world

from .conftest import Api

pytestmark = pytest.mark.django_db


def test_parts_over_the_api_with_tenancy_and_the_charge(clock):
    s = shop(clock)
    other = world(code="globex")
    staff = Api(s.world.agent)
    contact, stranger = Api(s.world.contact.user), Api(other.contact.user)
    clock.at(ny(2025, 6, 30, 20))
    body = {"ticket": s.ticket.pk, "part_number": "HD-2T", "description": "Disk 2 TB",
            "quantity": 2, "unit_price": "80.00", "date": "2025-06-03"}  # fmt: skip
    created = staff.post("/part-uses", body)
    assert created.status_code == 201, created.json()
    part = created.json()
    assert (part["currency"], part["unit_price"], part["under_warranty"]) == ("USD", "80.00", False)
    warranty = staff.post("/part-uses", {**body, "part_number": "PSU", "under_warranty": True})
    assert warranty.status_code == 201
    assert contact.post("/part-uses", body).status_code == 403
    for field, value in (("quantity", 0), ("unit_price", "1.001"), ("part_number", "")):
        bad = staff.post("/part-uses", {**body, field: value})
        assert bad.status_code == 422
        assert {e["loc"][-1] for e in bad.json()["detail"]} == {field}

    mine = contact.get("/part-uses", ticket=s.ticket.pk).json()
    assert [p["part_number"] for p in mine["items"]] == ["PSU", "HD-2T"]
    assert stranger.get("/part-uses").json()["count"] == 0
    assert stranger.get("/part-uses", ticket=s.ticket.pk).json()["count"] == 0
    assert stranger.client.delete(f"/api/v1/part-uses/{part['id']}").status_code in (403, 404)
    outsider = Api(other.agent)  # staff of the provider: may delete; a contact never sees it
    assert outsider.get("/part-uses").json()["count"] == 2

    clock.at(ny(2025, 7, 1, 9))
    (charge,) = close_month_charges(contracts=[s.contract], period=Period(2025, 6))
    lines = contact.get(f"/charges/{charge.pk}").json()["lines"]
    assert [(x["kind"], x["amount"]) for x in lines] == [
        ("base_fee", "3000.00"),
        ("parts", "192.00"),  # 2 x (80.00 + 20 %); the warranty part is not charged
    ]
    closed = staff.client.delete(f"/api/v1/part-uses/{part['id']}")
    assert closed.status_code == 422
    assert PartUse.objects.count() == 2


def test_a_contact_cannot_delete_a_part_and_another_customers_part_is_404(clock):
    s = shop(clock)
    other = shop(clock, code="globex")
    clock.at(ny(2025, 6, 10, 9))
    staff = Api(s.world.agent)
    mine = staff.post("/part-uses", {"ticket": s.ticket.pk, "part_number": "X", "description": "Y",
                                 "quantity": 1, "unit_price": "5"}).json()  # fmt: skip
    theirs = staff.post("/part-uses", {"ticket": other.ticket.pk, "part_number": "X",
                                   "description": "Y", "quantity": 1, "unit_price": "5"}).json()  # fmt: skip
    contact = Api(s.world.contact.user)
    assert contact.client.delete(f"/api/v1/part-uses/{mine['id']}").status_code == 403
    assert contact.get("/part-uses").json()["count"] == 1
    assert contact.get("/part-uses", ticket=other.ticket.pk).json()["count"] == 0
    gone = staff.client.delete(f"/api/v1/part-uses/{theirs['id']}")
    assert gone.json() == {"id": theirs["id"], "deleted": True}
    assert staff.client.delete(f"/api/v1/part-uses/{theirs['id']}").status_code == 404
