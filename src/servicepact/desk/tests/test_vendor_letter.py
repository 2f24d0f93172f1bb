"""Issue 14, "Done when": a new user configures a vendor's commitment letter as a plan (its
metrics as data, targets per category), opens a hardware ticket by phone from the desk,
confirms the fault, dispatches an engineer, watches the clocks run and reads them in the
statement per metric and per category.

The letter: respond within 30 minutes; engineer dispatched within 2 hours; a solution within
24 hours; hardware repaired within 24 hours of the fault being confirmed (OS problems: 48
hours); engineer on site within 24 hours of the report. All on a 24x7 calendar.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client

from servicepact.accounts.services import create_api_token
from servicepact.billing.services import compute_period_credits, set_credit_schedule
from servicepact.contracts.models import SlaMetric
from servicepact.reports.statement import build_statement
from servicepact.tickets.choices import EventKind
from servicepact.tickets.models import SlaClock, Ticket
from servicepact.tickets.testing import always_calendar, login, ny, user, world

pytestmark = pytest.mark.django_db

METRICS = [
    {
        "code": "dispatch",
        "name": "Engineer dispatched",
        "name_zh": "派遣工程师",
        "start_event": "opened",
        "stop_events": ["dispatched"],
        "end_events": ["resolved", "closed"],
        "position": 50,
    },
    {
        "code": "solution",
        "name": "Solution given",
        "name_zh": "提供解决方案",
        "start_event": "opened",
        "stop_events": ["solution_proposed", "resolved"],
        "pause_statuses": ["waiting"],
        "position": 60,
    },
    {
        "code": "confirmed_fix",
        "name": "Repair after fault confirmation",
        "name_zh": "问题确认后修复",
        "start_event": "fault_confirmed",
        "stop_events": ["restored", "resolved"],
        "pause_statuses": ["waiting"],
        "categories": ["hardware", "os"],
        "position": 70,
    },
]


def letter_targets(calendar_id: int) -> list[dict[str, object]]:
    rows: list[tuple[str, str, int]] = [
        ("first_response", "", 30),
        ("dispatch", "", 120),
        ("solution", "", 1440),
        ("confirmed_fix", "hardware", 1440),
        ("confirmed_fix", "os", 2880),
        ("on_site", "", 1440),
    ]
    return [
        {"priority": p, "metric": m, "category": c, "target_minutes": minutes}
        for p in (1, 2, 3, 4)
        for m, c, minutes in rows
    ]


class Api:
    """A JSON client of /api/v1 with a bearer token (as a script would use it)."""

    def __init__(self, who) -> None:
        _, raw = create_api_token(user=who, name="letter")
        self.client = Client(headers={"Authorization": f"Bearer {raw}"})

    def post(self, path: str, body: object) -> object:
        return self.client.post(f"/api/v1{path}", body, content_type="application/json")


def post(client, ticket, action, data=None):
    response = client.post(f"/desk/tickets/{ticket.pk}/actions/{action}/", data or {})
    assert response.status_code == 302, response.content.decode()[:500]
    return response


def test_the_vendor_letter_from_configuration_to_statement(clock):
    clock.at(ny(2025, 6, 2, 8))
    admin = user("lead", staff=True)
    api = Api(admin)
    # 1. The letter's metrics and the plan, through the API.
    for body in METRICS:
        response = api.post("/metrics", body)
        assert response.status_code == 201, response.json()
    calendar = always_calendar("Letter 24x7")
    response = api.post(
        "/plans",
        {
            "name": "Vendor letter",
            "code": "vendor-letter",
            "calendar": calendar.pk,
            "targets": letter_targets(calendar.pk),
        },
    )
    assert response.status_code == 201, response.json()
    hardware_fix = [
        t
        for t in response.json()["category_targets"]
        if t["metric"] == "confirmed_fix" and t["priority"] == 2
    ]
    assert [(t["category"], t["target_minutes"]) for t in hardware_fix] == [
        ("hardware", 1440),
        ("os", 2880),
    ]
    from servicepact.contracts.models import ServicePlan

    w = world(code="acme", service_plan=ServicePlan.objects.get(code="vendor-letter"))
    agent = login(w.agent)

    # 2. A hardware ticket by phone from the desk, Monday 2 June 2025 10:00 New York (P2).
    opened = ny(2025, 6, 2, 10)
    clock.at(opened)
    response = agent.post(
        "/desk/tickets/new/",
        {
            "customer": w.customer.pk,
            "contact": w.contact.pk,
            "asset": w.asset.pk,
            "channel": "phone",
            "category": "hardware",
            "kind": "incident",
            "impact": 2,
            "urgency": 2,
            "subject": "Disk array controller failed",
            "description": "Called in: the array is offline.",
        },
    )
    assert response.status_code == 302
    ticket = Ticket.objects.get()
    assert (ticket.channel, ticket.category, ticket.priority) == ("phone", "hardware", 2)
    deadlines = dict(ticket.clocks.values_list("metric", "deadline_at"))
    # No repair clock yet: it starts when the fault is confirmed.
    assert deadlines == {
        "first_response": opened + timedelta(minutes=30),
        "on_site": opened + timedelta(hours=24),
        "dispatch": opened + timedelta(hours=2),
        "solution": opened + timedelta(hours=24),
    }

    # 3. Respond in 20 minutes, confirm the fault at 10:40: the repair clock starts, 24 h.
    clock.at(opened + timedelta(minutes=20))
    post(agent, ticket, "acknowledge")
    clock.at(opened + timedelta(minutes=40))
    post(agent, ticket, "confirm", {"confirm-note": "Controller fault reproduced."})
    fix = SlaClock.objects.get(ticket=ticket, metric="confirmed_fix")
    assert (fix.started_at, fix.deadline_at, fix.target_seconds) == (
        opened + timedelta(minutes=40),
        opened + timedelta(minutes=40, hours=24),
        1440 * 60,
    )

    # 4. The page shows the support level and each clock's definition.
    page = agent.get(f"/desk/tickets/{ticket.pk}/").content.decode()
    assert "1st level support" in page
    assert 'data-testid="definition-confirmed_fix"' in page
    assert "Measured from Fault confirmed to Resolved or Service restored (workaround)" in page

    # 5. The engineer is dispatched at 12:30 (2 h 30 min: the 2 h promise is broken) ...
    dispatched = opened + timedelta(hours=2, minutes=30)
    clock.at(dispatched)
    post(agent, ticket, "dispatch", {"dispatch-engineer": "Wang Wei"})
    dispatch = SlaClock.objects.get(ticket=ticket, metric="dispatch")
    assert (dispatch.state, dispatch.stopped_at) == ("breached", dispatched)
    # ... arrives at 16:00, proposes a solution at 17:00 and the array is repaired the
    # next day at 12:40 (26 h after the confirmation: the 24 h repair promise is broken).
    clock.at(opened + timedelta(hours=6))
    post(agent, ticket, "onsite", {"onsite-engineer": "Wang Wei"})
    clock.at(opened + timedelta(hours=7))
    post(agent, ticket, "start")
    post(agent, ticket, "propose", {"propose-solution": "Replace the controller."})
    clock.at(opened + timedelta(hours=26, minutes=40))
    post(agent, ticket, "resolve", {"resolve-resolution": "Controller replaced."})
    states = dict(ticket.clocks.values_list("metric", "state"))
    assert states == {
        "first_response": "met",
        "on_site": "met",
        "dispatch": "breached",
        "solution": "met",
        "confirmed_fix": "breached",
    }
    timeline = list(ticket.events.values_list("kind", flat=True))
    assert EventKind.FAULT_CONFIRMED in timeline and EventKind.DISPATCHED in timeline

    # 6. The June statement reports each metric and each (metric, category).
    snapshot = build_statement(w.contract, "2025-06", now=ny(2025, 7, 1, 12))
    by_metric = {
        m["metric"]: (m["met"], m["breached"]) for m in snapshot["compliance"]["by_metric"]
    }
    assert by_metric == {
        "first_response": (1, 0),
        "on_site": (1, 0),
        "dispatch": (0, 1),
        "solution": (1, 0),
        "confirmed_fix": (0, 1),
    }
    by_category = {
        (r["metric"], r["category"]): (r["met"], r["breached"], r["metric_label"])
        for r in snapshot["compliance"]["by_category"]
    }
    assert by_category[("confirmed_fix", "hardware")] == (0, 1, "Repair after fault confirmation")
    assert by_category[("dispatch", "hardware")] == (0, 1, "Engineer dispatched")
    assert {b["metric"] for b in snapshot["breaches"]} == {"dispatch", "confirmed_fix"}
    assert SlaMetric.objects.count() == 8  # 7 before the seeded parts_delivery (issue 18)

    # 7. Per-breach credits by metric: the broken dispatch and repair promises earn theirs,
    # the kept solution promise none.
    w.contract.fee_amount = Decimal("3000.00")
    w.contract.save()
    set_credit_schedule(
        version=w.contract.versions.get(number=1),
        breach_credits=[
            {"metric": "dispatch", "priority": 2, "credit_percent": "2"},
            {"metric": "solution", "priority": 2, "credit_percent": "5"},
            {"metric": "confirmed_fix", "priority": 2, "credit_percent": "3"},
        ],
    )
    credit = compute_period_credits(contract=w.contract, period="2025-06", now=ny(2025, 7, 1, 12))
    lines = sorted((line.metric, line.percent, line.amount) for line in credit.lines.all())
    assert lines == [
        ("confirmed_fix", Decimal("3"), Decimal("90.00")),
        ("dispatch", Decimal("2"), Decimal("60.00")),
    ]


def test_an_os_ticket_gets_the_48_hour_repair_target_and_a_network_one_none(clock):
    """Most specific target wins: OS -> 48 h; a category the metric does not apply to gets
    no repair clock even when the fault is confirmed."""
    from servicepact.contracts.catalogue import ensure_letter_plan
    from servicepact.tickets import services as ts

    clock.at(ny(2025, 6, 2, 10))
    w = world(code="acme", service_plan=ensure_letter_plan())
    os_ticket = ts.open_ticket(
        customer=w.customer, contact=w.contact, subject="Kernel panic", priority=2, category="os"
    )
    net_ticket = ts.open_ticket(
        customer=w.customer, contact=w.contact, subject="Uplink", priority=2, category="network"
    )
    for t in (os_ticket, net_ticket):
        ts.acknowledge_ticket(ticket=t, actor=w.agent)
        ts.confirm_fault(ticket=t, actor=w.agent, note="confirmed")
    fix = SlaClock.objects.get(ticket=os_ticket, metric="confirmed_fix")
    assert fix.target_seconds == 2880 * 60
    assert not SlaClock.objects.filter(ticket=net_ticket, metric="confirmed_fix").exists()
    # The on-site clock is a hardware promise: neither ticket has one.
    assert not SlaClock.objects.filter(metric="on_site").exists()
