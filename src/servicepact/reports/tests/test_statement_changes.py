"""The statement's changes section: changes of the contract that ended in the month
(verified, rolled back, failed), the success rate, and emergency changes with when they
were approved (after the fact, or not yet). Other months and other contracts stay out."""

from __future__ import annotations

import pytest

from servicepact.changes import services as cs
from servicepact.changes.choices import ChangeKind
from servicepact.core.testing import ny
from servicepact.reports.statement import build_statement
from servicepact.tickets.testing import world

pytestmark = pytest.mark.django_db


def run(w, clock, day, outcome, *, kind=ChangeKind.NORMAL, approve=True, title="Work"):
    clock.at(ny(2025, 6, day, 1))
    change = cs.request_change(
        customer=w.customer,
        title=title,
        assets=[w.asset],
        planned_start=ny(2025, 6, day, 2),
        planned_end=ny(2025, 6, day, 4),
        details=cs.ChangeDetails(kind=kind),
        actor=w.agent,
    )
    if approve:
        cs.approve_change(change=change, actor=w.contact.user)
    clock.at(ny(2025, 6, day, 2))
    cs.execute_change(change=change, action="start", actor=w.agent)
    clock.at(ny(2025, 6, day, 3))
    if outcome == "verify":
        cs.execute_change(change=change, action="implement", actor=w.agent)
    if outcome:
        cs.execute_change(change=change, action=outcome, actor=w.agent)
    return change


def test_counts_success_rate_and_emergency_after_the_fact(clock):
    """June: 3 verified, 1 rolled back, 1 failed -> 3/5 = 60.00 %. One verified on 1 July
    (another month) and one of Beta's (another contract) are not counted. The emergency
    change of 20 June was approved by the customer on 21 June: after the fact. One still in
    progress (not ended) is not counted."""
    clock.at(ny(2025, 6, 1))
    w, beta = world(), world(code="beta")
    for day in (3, 4):
        run(w, clock, day, "verify")
    run(w, clock, 5, "roll_back")
    run(w, clock, 6, "fail")
    run(w, clock, 7, None)
    emergency = run(
        w, clock, 20, "verify", kind=ChangeKind.EMERGENCY, approve=False, title="Hotfix"
    )
    clock.at(ny(2025, 6, 21, 9))
    cs.approve_change(change=emergency, actor=w.contact.user)
    run(beta, clock, 8, "fail")
    clock.at(ny(2025, 6, 30, 12))
    late = cs.request_change(
        customer=w.customer,
        title="July",
        assets=[w.asset],
        planned_start=ny(2025, 7, 1, 2),
        planned_end=ny(2025, 7, 1, 4),
        actor=w.agent,
    )
    cs.approve_change(change=late, actor=w.contact.user)
    clock.at(ny(2025, 7, 1, 3))
    cs.complete_change(change=late, actor=w.agent)
    section = build_statement(w.contract, "2025-06", now=ny(2025, 7, 2))["changes"]
    assert {k: section[k] for k in ("done", "rolled_back", "failed", "ended")} == {
        "done": 3,
        "rolled_back": 1,
        "failed": 1,
        "ended": 5,
    }
    assert section["success_percent"] == "60.00"
    assert [c["status"] for c in section["changes"]] == [
        "done",
        "done",
        "rolled_back",
        "failed",
        "done",
    ]
    assert section["emergency"] == [
        {
            "number": emergency.number,
            "title": "Hotfix",
            "started_at": "2025-06-20T06:00:00+00:00",
            "customer_approved_at": "2025-06-21T13:00:00+00:00",
            "board_decided_at": None,
            "approved_after_fact": True,
        }
    ]


def test_a_month_without_changes_has_no_rate(clock):
    """No change ended: no success rate (None, shown as "–"), never 0 % or 100 %."""
    clock.at(ny(2025, 6, 1))
    w = world()
    section = build_statement(w.contract, "2025-06", now=ny(2025, 7, 2))["changes"]
    assert (section["ended"], section["success_percent"], section["emergency"]) == (0, None, [])


def test_the_statement_page_shows_the_section(clock):
    from servicepact.tickets.testing import login

    clock.at(ny(2025, 6, 1))
    w = world()
    run(w, clock, 4, "roll_back")
    clock.at(ny(2025, 7, 2))
    html = login(w.contact.user).get(
        f"/reports/portal/contracts/{w.contract.pk}/statement/?period=2025-06"
    )
    assert html.status_code == 200
    text = html.content.decode()
    assert 'id="changes-ended">1<' in text and 'id="changes-success">0.00 %<' in text
