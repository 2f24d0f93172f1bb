"""SLA metrics as data over the API (issue 14): ``/metrics`` (read for everyone, write for
staff, errors naming the field), targets per category, fault confirmation, dispatch and
functional escalation as ticket actions, and the ticket detail's support level and clock
definitions. Tenancy: another customer's ticket is a 404 for every new action."""

from __future__ import annotations

from datetime import timedelta

import pytest

from servicepact.contracts.models import SlaMetric
from servicepact.tickets.choices import EventKind
from servicepact.tickets.models import SlaClock

from .conftest import ny, open_ticket

pytestmark = pytest.mark.django_db

SENIOR = {
    "code": "senior_engineer",
    "name": "Time to reach a senior engineer",
    "name_zh": "升级至二线支持用时",
    "start_event": "opened",
    "stop_events": ["escalated_l2"],
    "end_events": ["resolved", "closed"],
    "position": 80,
}


def test_everyone_reads_the_definitions_in_order(acme_contact, staff):
    for api in (acme_contact, staff):
        response = api.get("/metrics")
        assert response.status_code == 200
        items = response.json()["items"]
        assert [m["code"] for m in items] == [
            "first_response",
            "on_site",
            "restore",
            "resolution",
            "parts_delivery",  # seeded with the spare parts (issue 18)
        ]
    restore = items[2]
    assert restore["start_event"] == "opened"
    assert restore["stop_events"] == ["resolved", "restored"]
    assert restore["pause_statuses"] == ["waiting"]
    assert items[1]["categories"] == ["hardware"] and items[1]["end_events"] == [
        "closed",
        "resolved",
    ]
    assert items[3]["restart_on_reopen"] is True
    one = acme_contact.get(f"/metrics/{restore['id']}")
    assert one.status_code == 200 and one.json()["name"] == "Restore (workaround)"


def test_names_follow_the_readers_language(staff):
    response = staff.client.get("/api/v1/metrics", HTTP_ACCEPT_LANGUAGE="zh-hans")
    names = [m["name"] for m in response.json()["items"]]
    assert names[0] == "首次响应"
    assert response.json()["items"][2]["stop_event_labels"] != [
        "Resolved",
        "Service restored (workaround)",
    ]


def test_staff_define_and_change_a_metric_contacts_may_not(staff, acme_contact):
    assert acme_contact.post("/metrics", SENIOR).status_code == 403
    assert not SlaMetric.objects.filter(code="senior_engineer").exists()
    response = staff.post("/metrics", SENIOR)
    assert response.status_code == 201, response.json()
    created = response.json()
    assert (created["code"], created["stop_events"]) == ("senior_engineer", ["escalated_l2"])
    assert acme_contact.patch(f"/metrics/{created['id']}", {"position": 5}).status_code == 403
    changed = staff.patch(f"/metrics/{created['id']}", {"name": "Senior engineer reached"})
    assert changed.status_code == 200 and changed.json()["name"] == "Senior engineer reached"
    assert changed.json()["stop_events"] == ["escalated_l2"]  # what was left out is kept


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        ({**SENIOR, "start_event": "lunch"}, ["body", "start_event"]),
        ({**SENIOR, "stop_events": ["resolved", "teatime"]}, ["body", "stop_events", 1]),
        ({**SENIOR, "stop_events": []}, ["body", "stop_events"]),
        ({**SENIOR, "stop_events": ["opened"]}, ["body", "stop_events"]),
        ({**SENIOR, "pause_statuses": ["new"]}, ["body", "pause_statuses", 0]),
        ({**SENIOR, "categories": ["toasters"]}, ["body", "categories", 0]),
        ({**SENIOR, "code": "Not A Slug"}, ["body", "code"]),
        ({**SENIOR, "code": "first_response"}, ["body", "code"]),
        ({**SENIOR, "name": ""}, ["body", "name"]),
    ],
)
def test_a_bad_definition_names_its_field_and_stores_nothing(staff, body, loc):
    before = SlaMetric.objects.count()
    response = staff.post("/metrics", body)
    assert response.status_code == 422, response.json()
    locs = [e["loc"] for e in response.json()["detail"]]
    assert loc in locs, response.json()
    assert SlaMetric.objects.count() == before


def test_a_target_for_the_tickets_category_wins_over_any(staff, acme, clock):
    """P2 resolution 480 min for any category (the plan), 120 min for hardware."""
    response = staff.put(
        f"/plans/{acme.plan.pk}/targets",
        {"priority": 2, "metric": "resolution", "category": "hardware", "target_minutes": 120},
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    anywhere = [
        (t["metric"], t["target_minutes"])
        for t in body["targets"]
        if t["priority"] == 2 and t["metric"] == "resolution"
    ]
    assert anywhere == [("resolution", 480)]
    assert [
        (t["metric"], t["category"], t["target_minutes"]) for t in body["category_targets"]
    ] == [("resolution", "hardware", 120)]
    version = staff.get(f"/contracts/{acme.contract.pk}").json()["versions"][0]
    assert [(t["category"], t["source"]) for t in version["category_targets"]] == [
        ("hardware", f"plan {acme.plan.name}")
    ]
    clock.at(ny(2025, 6, 2, 9))
    hardware = open_ticket(acme, category="hardware")
    network = open_ticket(acme, category="network")
    assert SlaClock.objects.get(ticket=hardware, metric="resolution").target_seconds == 7200
    assert SlaClock.objects.get(ticket=network, metric="resolution").target_seconds == 28800
    bad = staff.put(
        f"/plans/{acme.plan.pk}/targets",
        {"priority": 2, "metric": "resolution", "category": "toasters", "target_minutes": 1},
    )
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["loc"] == ["body", "category"]


def test_confirm_dispatch_and_escalate_with_the_detail(staff, acme, clock):
    assert staff.post("/metrics", SENIOR).status_code == 201
    staff.put(
        f"/plans/{acme.plan.pk}/targets",
        {"priority": 2, "metric": "senior_engineer", "target_minutes": 60},
    )
    clock.at(ny(2025, 6, 2, 9))
    ticket = open_ticket(acme)
    base = f"/tickets/{ticket.pk}"
    # Fault confirmation needs a first response first (acknowledged or in progress).
    early = staff.post(f"{base}/confirm-fault", {"note": "reproduced"})
    assert early.status_code == 409
    assert staff.post(f"{base}/acknowledge").status_code == 200
    clock.at(ny(2025, 6, 2, 9, 30))
    confirmed = staff.post(f"{base}/confirm-fault", {"note": "reproduced"})
    assert confirmed.status_code == 200
    assert staff.post(f"{base}/confirm-fault", {"note": "again"}).status_code == 409
    dispatched = staff.post(f"{base}/dispatch", {"engineer": "Wang Wei"})
    assert dispatched.status_code == 200
    assert staff.post(f"{base}/dispatch", {"engineer": "Li Na"}).status_code == 409
    detail = dispatched.json()
    assert (detail["support_level"], detail["support_level_label"]) == (1, "1st level support")
    senior = next(c for c in detail["clocks"] if c["metric"] == "senior_engineer")
    assert senior["state"] == "running"
    definitions = {d["code"]: d for d in detail["clock_definitions"]}
    assert [d["code"] for d in detail["clock_definitions"]] == [
        c["metric"] for c in detail["clocks"]
    ]
    assert definitions["senior_engineer"]["stop_events"] == ["escalated_l2"]
    assert definitions["senior_engineer"]["stop_event_labels"] == ["Escalated to 2nd level support"]
    assert definitions["resolution"]["pause_statuses"] == ["waiting"]
    assert definitions["resolution"]["start_event"] == "opened"

    clock.at(ny(2025, 6, 2, 9, 45))
    first = staff.post(f"{base}/escalate", {"reason": "needs the storage team"})
    assert first.status_code == 200
    assert first.json()["support_level"] == 2
    senior = next(c for c in first.json()["clocks"] if c["metric"] == "senior_engineer")
    assert senior["state"] == "met" and senior["elapsed_seconds"] == 45 * 60
    assert staff.post(f"{base}/escalate", {}).json()["support_level"] == 3
    third = staff.post(f"{base}/escalate", {})
    assert third.status_code == 409
    kinds = [e["kind"] for e in staff.get(f"{base}/events").json()["items"]]
    assert kinds.count(EventKind.ESCALATED_L2) == 1 and kinds.count(EventKind.ESCALATED_L3) == 1
    assert EventKind.FAULT_CONFIRMED in kinds and EventKind.DISPATCHED in kinds


def test_a_late_escalation_breaches_the_senior_engineer_clock(staff, acme, clock):
    """The negative case of the metric: escalated after its 60 minutes -> breached."""
    staff.post("/metrics", SENIOR)
    staff.put(
        f"/plans/{acme.plan.pk}/targets",
        {"priority": 2, "metric": "senior_engineer", "target_minutes": 60},
    )
    opened = ny(2025, 6, 2, 9)
    clock.at(opened)
    ticket = open_ticket(acme)
    clock.at(opened + timedelta(minutes=61))
    assert staff.post(f"/tickets/{ticket.pk}/escalate", {}).status_code == 200
    clock_row = SlaClock.objects.get(ticket=ticket, metric="senior_engineer")
    assert clock_row.state == "breached"


@pytest.mark.parametrize(
    ("action", "body"),
    [("confirm-fault", {}), ("dispatch", {}), ("escalate", {})],
)
def test_the_new_actions_respect_tenancy_and_roles(
    staff, acme_contact, globex_contact, acme, clock, action, body
):
    clock.at(ny(2025, 6, 2, 9))
    ticket = open_ticket(acme)
    staff.post(f"/tickets/{ticket.pk}/acknowledge")
    events = ticket.events.count()
    assert globex_contact.post(f"/tickets/{ticket.pk}/{action}", body).status_code == 404
    assert acme_contact.post(f"/tickets/{ticket.pk}/{action}", body).status_code == 403
    assert ticket.events.count() == events
