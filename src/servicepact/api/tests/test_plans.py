"""Service plans with their targets and priority policy."""

from __future__ import annotations

import pytest
from django.utils import translation

from servicepact.contracts.models import ServicePlan, SlaTarget
from servicepact.tickets import services as ts
from servicepact.tickets.models import SlaClock, TicketEvent

from .conftest import ny, open_ticket

pytestmark = pytest.mark.django_db

MATRIX = [[1, 1, 2, 2], [1, 2, 2, 3], [2, 3, 3, 4], [3, 3, 4, 4]]


def _plan(calendar_id, **overrides):
    body = {
        "name": "Gold",
        "code": "gold",
        "calendar": calendar_id,
        "priority_matrix": MATRIX,
        "priority_names": {"1": "Critical"},
        "targets": [
            {"priority": 1, "metric": "resolution", "target_minutes": 240},
            {"priority": 1, "metric": "first_response", "target_minutes": 15},
        ],
    }
    body.update(overrides)
    return body


def test_create_plan_with_targets_and_policy(staff, acme):
    """201; targets come back in reading order with seconds and calendar; policy as sent."""
    response = staff.post("/plans", _plan(acme.calendar.pk))
    assert response.status_code == 201
    body = response.json()
    assert body["priority_matrix"] == MATRIX
    assert body["priority_names"] == {"1": "Critical"}
    assert body["targets"] == [
        {
            "priority": 1,
            "metric": "first_response",
            "target_minutes": 15,
            "target_seconds": 900,
            "calendar": {"id": acme.calendar.pk, "name": "acme hours"},
            "measure_in_site_timezone": False,
        },
        {
            "priority": 1,
            "metric": "resolution",
            "target_minutes": 240,
            "target_seconds": 14400,
            "calendar": {"id": acme.calendar.pk, "name": "acme hours"},
            "measure_in_site_timezone": False,
        },
    ]
    assert staff.get(f"/plans/{body['id']}").json() == body


def test_bad_target_row_is_named_and_nothing_is_written(staff, acme):
    """targets[1].metric unknown -> 422 at body.targets[1].metric; no plan, no target."""
    targets = [
        {"priority": 1, "metric": "resolution", "target_minutes": 240},
        {"priority": 1, "metric": "lunch", "target_minutes": 15},
    ]
    before = SlaTarget.objects.count()
    response = staff.post("/plans", _plan(acme.calendar.pk, targets=targets))
    assert response.status_code == 422
    assert [e["loc"] for e in response.json()["detail"]] == [["body", "targets", 1, "metric"]]
    assert not ServicePlan.objects.filter(code="gold").exists()
    assert SlaTarget.objects.count() == before


def test_bad_matrix_and_unknown_calendar_are_422(staff, acme):
    """A 3-row matrix names priority_matrix; a calendar id that does not exist names calendar."""
    matrix = staff.post("/plans", _plan(acme.calendar.pk, priority_matrix=[[1, 2, 3, 4]] * 3))
    assert matrix.json()["detail"][0]["loc"] == ["body", "priority_matrix"]
    calendar = staff.post("/plans", _plan(999))
    assert calendar.json()["detail"] == [
        {"loc": ["body", "calendar"], "msg": "no calendar with id 999", "type": "invalid"}
    ]


def test_set_one_target(staff, acme):
    """PUT /plans/{id}/targets replaces the (priority, metric) target."""
    response = staff.put(
        f"/plans/{acme.plan.pk}/targets",
        {"priority": 2, "metric": "resolution", "target_minutes": 600},
    )
    assert response.status_code == 200
    p2 = [
        t for t in response.json()["targets"] if (t["priority"], t["metric"]) == (2, "resolution")
    ]
    assert p2[0]["target_seconds"] == 36000


def test_contact_sees_its_contracts_plan_only(acme, acme_contact, globex):
    """Acme's contact lists Acme's plan; Globex's plan is 404; creating is 403."""
    assert [p["code"] for p in acme_contact.get("/plans").json()["items"]] == ["acme-plan"]
    assert acme_contact.get(f"/plans/{globex.plan.pk}").status_code == 404
    assert acme_contact.post("/plans", _plan(acme.calendar.pk)).status_code == 403


def test_a_plan_target_change_re_measures_open_tickets_with_a_record(staff, acme, clock):
    """A P2 opened Mon 2 June 09:00 is due for resolution at 17:00 (480 min); the plan's P2
    resolution target set to 240 min moves it to 13:00 with a ``deadline_moved`` event. A P3
    ticket (its target unchanged) and a resolved P2 ticket are left alone."""
    clock.at(ny(2025, 6, 2, 9))
    p2, done = open_ticket(acme), open_ticket(acme)
    open_ticket(acme, priority=3)
    ts.acknowledge_ticket(ticket=done, actor=acme.agent)
    ts.resolve_ticket(ticket=done, actor=acme.agent, resolution="fixed")
    clock.at(ny(2025, 6, 2, 10))
    response = staff.put(
        f"/plans/{acme.plan.pk}/targets",
        {"priority": 2, "metric": "resolution", "target_minutes": 240},
    )
    assert response.status_code == 200
    assert SlaClock.objects.get(ticket=p2, metric="resolution").deadline_at == ny(2025, 6, 2, 13)
    moved = TicketEvent.objects.filter(kind="deadline_moved")
    assert [(e.ticket_id, e.data) for e in moved] == [
        (
            p2.pk,
            {
                "metric": "resolution",
                "before": "2025-06-02T21:00:00+00:00",
                "after": "2025-06-02T17:00:00+00:00",
                "reason": f"plan {acme.plan.name}: P2 resolution target set to 240 min",
                "reason_note": {
                    "kind": "plan_target_set",
                    "params": {
                        "plan": acme.plan.name,
                        "priority": 2,
                        "metric": "resolution",
                        "minutes": 240,
                    },
                },
            },
        )
    ]
    with translation.override("zh-hans"):
        shown = moved.get().reason_text
    assert shown == f"服务方案 {acme.plan.name}：P2 解决 目标设为 240 分钟"
