"""Work logs (edit/delete), the hours ledger and period charges over /api/v1, with tenancy."""

from __future__ import annotations

from decimal import Decimal

import pytest

from servicepact.billing.commercial import close_month_charges
from servicepact.billing.models import WorkLog, WorkLogAudit
from servicepact.billing.periods import Period
from servicepact.billing.testing_commerce import shop
from servicepact.tickets.testing import ny, world

from .conftest import Api

pytestmark = pytest.mark.django_db


def test_work_logs_over_the_api_from_start_to_charge_and_ledger(clock):
    """An evening log (17:00-19:00 NY) gets 60 out-of-hours minutes; excluded work warns;
    the edit and delete are audited; the month's charge and ledger are read by the contact,
    not by another customer's (404), and approved only by a manager (403 for the contact)."""
    s = shop(clock)
    other = world(code="globex")
    staff, boss = Api(s.world.agent), Api(s.manager)
    contact, stranger = Api(s.world.contact.user), Api(other.contact.user)
    clock.at(ny(2025, 6, 30, 20))
    body = {"ticket": s.ticket.pk, "minutes": 120, "started_at": "2025-06-02T17:00:00-04:00",
            "category": "networking", "work_type": "remote"}  # fmt: skip
    created = staff.post("/worklogs", body)
    assert created.status_code == 201, created.json()
    log = created.json()
    assert (log["date"], log["out_of_hours_minutes"], len(log["warnings"])) == ("2025-06-02", 60, 1)
    patched = staff.patch(f"/worklogs/{log['id']}", {"minutes": 90, "reason": "typo"})
    assert (patched.json()["minutes"], patched.json()["out_of_hours_minutes"]) == (90, 30)
    assert contact.patch(f"/worklogs/{log['id']}", {"minutes": 5}).status_code == 403
    extra = staff.post("/worklogs", {"ticket": s.ticket.pk, "minutes": 30, "date": "2025-06-03"})
    gone = staff.client.delete(f"/api/v1/worklogs/{extra.json()['id']}")
    assert gone.status_code == 200
    assert WorkLog.objects.count() == 1
    assert WorkLogAudit.objects.filter(action__in=["edit", "delete"]).count() == 2

    clock.at(ny(2025, 7, 1, 9))
    (charge,) = close_month_charges(contracts=[s.contract], period=Period(2025, 6))
    mine = contact.get(f"/charges/{charge.pk}").json()
    # networking is excluded scope, billable: extra work 17:00-18:30 after the edit, 30 min
    # out of hours: 100 * (90 + 0.5 * 30) / 60 = 175.00
    assert [(x["kind"], x["amount"]) for x in mine["lines"]] == [
        ("base_fee", "3000.00"),
        ("extra_work", "175.00"),
    ]
    assert stranger.get(f"/charges/{charge.pk}").status_code == 404
    assert stranger.get("/charges").json()["count"] == 0
    csv = contact.get(f"/charges/{charge.pk}", format="csv")
    assert csv["Content-Type"].startswith("text/csv")
    assert b"extra_work" in csv.content
    assert contact.post(f"/charges/{charge.pk}/approve").status_code == 403
    assert staff.post(f"/charges/{charge.pk}/approve").status_code == 403  # an agent
    assert boss.post(f"/charges/{charge.pk}/approve").json()["status"] == "final"
    assert boss.post(f"/charges/{charge.pk}/approve").status_code == 409

    ledger = contact.get("/hours", contract=s.contract.pk).json()
    assert [(e["kind"], e["hours"]) for e in ledger["items"]] == [
        ("included", "10.00"),
        ("expired", "-10.00"),
    ]
    assert Decimal(ledger["balances"]["maintenance"]) == 0
    assert stranger.get("/hours", contract=s.contract.pk).status_code == 404
    ledger_csv = contact.get("/hours", contract=s.contract.pk, format="csv")
    assert b"running_balance" in ledger_csv.content


def test_conversion_over_the_api_needs_a_manager(clock):
    s = shop(clock)
    staff, boss = Api(s.world.agent), Api(s.manager)
    asked = staff.post(
        "/hours/conversions",
        {"contract": s.contract.pk, "period": "2025-06", "hours": "2", "reason": "dev"},
    )
    assert asked.status_code == 201, asked.json()
    assert asked.json()["project_hours"] == "3.00"
    conversion = asked.json()["id"]
    assert staff.post(f"/hours/conversions/{conversion}/approve").status_code == 403
    assert boss.post(f"/hours/conversions/{conversion}/approve").json()["status"] == "approved"
    bad = boss.post(
        "/hours/adjustments",
        {"contract": s.contract.pk, "period": "2025-06", "hours": "1", "reason": ""},
    )
    assert bad.status_code == 422


def test_fee_change_over_the_api_proposed_approved_and_accepted_by_the_customer(clock):
    s = shop(clock)
    other = world(code="globex")
    staff, boss = Api(s.world.agent), Api(s.manager)
    contact, stranger = Api(s.world.contact.user), Api(other.contact.user)
    body = {"contract": s.contract.pk, "fee_amount": "3600", "included_hours": "12",
            "effective_from": "2025-08-01", "reason": "new hardware"}  # fmt: skip
    assert contact.post("/fee-changes", body).status_code == 403
    bad = staff.post("/fee-changes", {**body, "effective_from": "2027-01-05"})  # after the term
    assert bad.status_code == 422
    created = staff.post("/fee-changes", body)
    assert created.status_code == 201, created.json()
    change = created.json()["id"]
    assert created.json()["allowed"] == ["approve", "withdraw"]
    assert contact.post(f"/fee-changes/{change}/accept", {}).status_code == 404  # not yet shown
    assert staff.post(f"/fee-changes/{change}/approve").status_code == 403
    assert boss.post(f"/fee-changes/{change}/approve").json()["status"] == "approved"
    assert stranger.get(f"/fee-changes/{change}").status_code == 404
    assert stranger.post(f"/fee-changes/{change}/accept", {}).status_code == 404
    accepted = contact.post(f"/fee-changes/{change}/accept", {"note": "fine"}).json()
    assert (accepted["status"], accepted["version"]) == ("accepted", 2)
    assert contact.get("/fee-changes").json()["count"] == 1
    assert contact.post(f"/fee-changes/{change}/decline", {}).status_code == 409
