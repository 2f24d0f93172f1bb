"""Outages, work logs, escalation policies and measurements through the API: what staff may
record, what a contact may read (its own customer's only), and the error codes."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from servicepact.billing.models import WorkLog
from servicepact.contracts.escalation import set_escalation_policy
from servicepact.contracts.services import amend_contract
from servicepact.monitoring.availability import contract_availability
from servicepact.monitoring.models import Outage
from servicepact.monitoring.services import record_measurement, record_outage

from .conftest import open_ticket

pytestmark = pytest.mark.django_db

OUTAGE = {
    "started_at": "2025-06-01T18:00:00Z",  # 14:00 New York
    "ended_at": "2025-06-01T18:30:00Z",
    "reason": "switch reboot, no alert",
}


# ---------------------------------------------------------------- outages


def test_staff_record_an_outage_and_availability_counts_it(acme, staff):
    """30 minutes unplanned: 1800 s of downtime in June; a planned one adds planned seconds."""
    response = staff.post("/outages", {"asset": acme.asset.pk, **OUTAGE})
    assert response.status_code == 201
    body = response.json()
    assert (body["origin"], body["planned"], body["cause"]) == (
        "manual",
        False,
        "manual: switch reboot, no alert",
    )
    assert body["recorded_by"]["username"] == acme.agent.get_username()
    planned = {**OUTAGE, "started_at": "2025-06-01T20:00:00Z", "ended_at": "2025-06-01T21:00:00Z"}
    assert (
        staff.post("/outages", {"asset": acme.asset.pk, **planned, "planned": True}).status_code
        == 201
    )
    result = contract_availability(acme.contract, 2025, 6)
    assert (result.unplanned_downtime_seconds, result.planned_downtime_seconds) == (1800, 3600)


@pytest.mark.parametrize(
    ("change", "loc"),
    [
        ({"ended_at": "2025-06-01T17:59:59Z"}, ["body", "ended_at"]),
        ({"reason": "  "}, ["body", "reason"]),
        ({"started_at": "2025-06-03T12:00:00Z", "ended_at": None}, ["body", "started_at"]),
        ({"started_at": "2025-06-01T18:00:00"}, ["body", "started_at"]),
        ({"asset": 999999}, ["body", "asset"]),
        ({"ticket": 999999}, ["body", "ticket"]),
    ],
)
def test_bad_outages_are_422_naming_the_field(acme, staff, change, loc):
    response = staff.post("/outages", {"asset": acme.asset.pk, **OUTAGE, **change})
    assert response.status_code == 422
    assert loc in [e["loc"] for e in response.json()["detail"]]
    assert Outage.objects.count() == 0


def test_contacts_may_not_record_outages(acme, acme_contact, anonymous):
    assert acme_contact.post("/outages", {"asset": acme.asset.pk, **OUTAGE}).status_code == 403
    assert anonymous.post("/outages", {"asset": acme.asset.pk, **OUTAGE}).status_code == 401
    assert Outage.objects.count() == 0


def test_the_outage_list_is_scoped_and_paged(acme, globex, staff, acme_contact):
    for hour in (10, 11, 12):
        record_outage(
            asset=acme.asset,
            started_at=_at(hour),
            ended_at=_at(hour, 10),
            reason=f"blip {hour}",
        )
    record_outage(asset=globex.asset, started_at=_at(9), ended_at=_at(9, 5), reason="theirs")
    body = staff.get("/outages", limit=2).json()
    assert body["count"] == 4 and len(body["items"]) == 2
    assert [i["reason"] for i in body["items"]] == ["blip 12", "blip 11"]
    mine = acme_contact.get("/outages").json()
    assert (mine["count"], {i["asset"]["hostname"] for i in mine["items"]}) == (3, {"acme-srv01"})
    assert acme_contact.get("/outages", asset=globex.asset.pk).json()["count"] == 0


def _at(hour, minute=0):
    return datetime(2025, 6, 1, hour, minute, tzinfo=UTC)


# ---------------------------------------------------------------- work logs


def test_staff_log_work_and_contacts_read_their_own(
    acme, globex, staff, acme_contact, globex_contact
):
    ticket = open_ticket(acme)
    response = staff.post(
        "/worklogs",
        {"ticket": ticket.pk, "minutes": 90, "date": "2025-06-02", "work_type": "on_site",
         "billable": False, "note": "swapped disk"},
    )  # fmt: skip
    assert response.status_code == 201
    body = response.json()
    assert (body["minutes"], body["work_type"], body["billable"], body["user"]["id"]) == (
        90,
        "on_site",
        False,
        acme.agent.pk,
    )
    assert acme_contact.get("/worklogs").json()["count"] == 1
    assert globex_contact.get("/worklogs").json()["count"] == 0
    assert staff.get("/worklogs", ticket=ticket.pk).json()["items"][0]["note"] == "swapped disk"


@pytest.mark.parametrize(
    ("change", "loc"),
    [
        ({"minutes": 0}, ["body", "minutes"]),
        ({"date": "2025-06-03"}, ["body", "date"]),  # tomorrow, in New York
        ({"work_type": "lunch"}, ["body", "work_type"]),
        ({"ticket": 999999}, ["body", "ticket"]),
    ],
)
def test_bad_work_logs_are_422(acme, staff, change, loc):
    ticket = open_ticket(acme)
    body = {"ticket": ticket.pk, "minutes": 30, "date": "2025-06-02", **change}
    response = staff.post("/worklogs", body)
    assert response.status_code == 422
    assert loc in [e["loc"] for e in response.json()["detail"]]
    assert WorkLog.objects.count() == 0


def test_work_is_logged_only_by_and_for_staff(acme, staff, acme_contact):
    ticket = open_ticket(acme)
    body = {"ticket": ticket.pk, "minutes": 30, "date": "2025-06-02"}
    assert acme_contact.post("/worklogs", body).status_code == 403
    for_contact = staff.post("/worklogs", {**body, "user": acme.contact.user.pk})
    assert for_contact.status_code == 422
    assert for_contact.json()["detail"][0]["loc"] == ["body", "user"]
    assert WorkLog.objects.count() == 0


def test_another_customers_ticket_is_not_a_contacts(acme, globex, globex_contact):
    ticket = open_ticket(acme)
    assert globex_contact.get("/worklogs", ticket=ticket.pk).json()["count"] == 0


# ---------------------------------------------------------------- escalation policies, measurements


def test_escalation_policies_are_read_by_staff_only(acme, staff, acme_contact):
    policy = set_escalation_policy(
        contract=acme.contract,
        steps=[{"percent": 75, "notify_assignee": True}, {"percent": 100, "raise_priority": True}],
    )
    body = staff.get("/escalation-policies", contract=acme.contract.pk).json()
    assert body["count"] == 1
    assert [
        (s["percent"], s["notify_assignee"], s["raise_priority"]) for s in body["items"][0]["steps"]
    ] == [
        (75, True, False),
        (100, False, True),
    ]
    assert staff.get(f"/escalation-policies/{policy.pk}").json()["contract"] == acme.contract.pk
    assert staff.get("/escalation-policies/999999").status_code == 404
    assert acme_contact.get("/escalation-policies").status_code == 403
    assert acme_contact.get(f"/escalation-policies/{policy.pk}").status_code == 403


def test_measurements_are_read_within_tenancy(acme, globex, staff, acme_contact):
    amend_contract(
        contract=acme.contract,
        effective_from=_at(0),
        reason="bandwidth",
        kpis=[{"kind": "bandwidth", "target": "1000"}],
    )
    amend_contract(
        contract=globex.contract,
        effective_from=_at(0),
        reason="bandwidth",
        kpis=[{"kind": "bandwidth", "target": "1000"}],
    )
    mine = record_measurement(
        contract=acme.contract, kind="bandwidth", value="850", unit="Mbps", measured_at=_at(10)
    )
    theirs = record_measurement(
        contract=globex.contract, kind="bandwidth", value="1200", unit="Mbps", measured_at=_at(10)
    )
    body = staff.get("/measurements").json()
    assert body["count"] == 2
    listed = acme_contact.get("/measurements").json()
    assert [(i["id"], i["value"], i["met"]) for i in listed["items"]] == [(mine.pk, "850", False)]
    assert acme_contact.get(f"/measurements/{theirs.pk}").status_code == 404
    assert acme_contact.get(f"/measurements/{mine.pk}").json()["target"] == "1000"
