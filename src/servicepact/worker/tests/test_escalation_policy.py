"""Escalation policies: the plan's, a contract's override, the default; and their actions."""

from __future__ import annotations

import pytest

from servicepact.accounts.models import Team
from servicepact.contracts.escalation import set_escalation_policy
from servicepact.core.errors import DomainValidationError
from servicepact.notifications.models import Notification
from servicepact.tickets import services as ts
from servicepact.tickets.choices import Category, EventKind
from servicepact.tickets.models import SlaClock
from servicepact.tickets.refresh import thresholds_for
from servicepact.worker.passes import run_pass

from .conftest import FR, RES, make_user, setup_contract, utc

pytestmark = pytest.mark.django_db

TARGETS = {(2, FR): 60, (2, RES): 480, (3, FR): 120, (3, RES): 960}


def open_p3(s):
    return ts.open_ticket(
        customer=s.customer,
        contact=s.contact,
        subject="Slow disk",
        impact=3,
        urgency=3,
        category=Category.NETWORK,
    )


def test_thresholds_come_from_the_contract_then_the_plan_then_the_default(clock):
    """No policy: 50/75/90/100. A plan policy (25, 60) gives 25/60/100 (the breach is always
    checked). A contract's own policy (80) replaces the plan's: 80/100."""
    clock.at(utc(2025, 6, 2, 9))
    s = setup_contract(targets=TARGETS)
    ticket = open_p3(s)
    assert thresholds_for(ticket) == (50, 75, 90, 100)
    set_escalation_policy(
        plan=s.plan,
        steps=[{"percent": 60, "notify_team": True}, {"percent": 25, "notify_assignee": True}],
    )
    assert thresholds_for(ticket) == (25, 60, 100)
    set_escalation_policy(
        contract=s.contract, steps=[{"percent": 80, "notify_service_manager": True}]
    )
    assert thresholds_for(ticket) == (80, 100)


def test_a_policy_is_validated():
    """Percentages are whole numbers 1-100, each once; exactly one owner."""
    with pytest.raises(DomainValidationError) as err:
        set_escalation_policy(steps=[{"percent": 50}])
    assert "plan" in err.value.errors


@pytest.mark.parametrize(
    ("steps", "field"),
    [
        ([{"percent": 0}], "steps[0].percent"),
        ([{"percent": 101}], "steps[0].percent"),
        ([{"percent": 50}, {"percent": 50}], "steps[1].percent"),
        ([{"percent": 50, "notify_everyone": True}], "steps[0]"),
    ],
)
def test_bad_steps_are_rejected(clock, steps, field):
    clock.at(utc(2025, 6, 2, 9))
    s = setup_contract(targets=TARGETS)
    with pytest.raises(DomainValidationError) as err:
        set_escalation_policy(plan=s.plan, steps=steps)
    assert list(err.value.errors) == [field]


def test_step_raises_the_priority_and_reassigns_to_a_team(clock):
    """Contract policy: at 50 % raise the priority and hand the ticket to team l2.
    P3 opened 10:00 (first response 120 min) reaches 50 % at 11:00: the worker moves it to P2
    (first response 60 min: now exactly used up, deadline 11:00), to team l2 without the
    assignee (not an l2 member), and records why. The breach follows at 11:00:01."""
    clock.at(utc(2025, 6, 2, 9))
    s = setup_contract(targets=TARGETS)
    l2 = Team.objects.create(name="l2")
    l2.members.add(make_user("l2-engineer"))
    set_escalation_policy(
        contract=s.contract, steps=[{"percent": 50, "raise_priority": True, "reassign_team": l2}]
    )
    clock.at(utc(2025, 6, 2, 10))
    ticket = open_p3(s)
    ts.assign_ticket(ticket=ticket, actor=s.agent, assignee=s.agent, team=s.team)

    clock.at(utc(2025, 6, 2, 11))
    assert run_pass().clocks.thresholds == 1
    ticket.refresh_from_db()
    assert (ticket.priority, ticket.team, ticket.assignee) == (2, l2, None)
    change = ticket.events.get(kind=EventKind.PRIORITY_CHANGED)
    assert change.data == {
        "priority": [3, 2],
        "reason": "escalation: First response reached 50 % of its target",
    }
    assert ticket.events.filter(kind=EventKind.ASSIGNED).last().data == {
        "assignee": ["acme-agent", None],
        "team": ["ops", "l2"],
    }
    fr = SlaClock.objects.get(ticket=ticket, metric=FR)
    assert (fr.priority, fr.target_seconds, fr.deadline_at, fr.last_threshold) == (
        2,
        3600,
        utc(2025, 6, 2, 11),
        50,
    )

    run_pass()  # the same instant again: nothing is raised twice
    ticket.refresh_from_db()
    assert ticket.priority == 2
    assert ticket.events.filter(kind=EventKind.PRIORITY_CHANGED).count() == 1
    fr.refresh_from_db()
    assert fr.next_check_at == utc(2025, 6, 2, 11, 0, 1)

    clock.at(utc(2025, 6, 2, 11, 0, 1))
    run_pass()
    assert list(
        ticket.events.filter(kind=EventKind.THRESHOLD_CROSSED).values_list(
            "data__metric", "data__percent"
        )
    ) == [(FR, 50), (FR, 100)]
    assert ticket.events.filter(kind=EventKind.BREACHED).count() == 1
    # This policy notifies nobody: escalation here is by priority and team only.
    assert Notification.objects.count() == 0


def test_unassigned_ticket_escalates_to_its_team(clock):
    """'Notify the assignee' on a ticket nobody owns reaches the team (alias and members)."""
    clock.at(utc(2025, 6, 2, 9))
    s = setup_contract(targets=TARGETS)
    clock.at(utc(2025, 6, 2, 10))
    ticket = open_p3(s)
    ts.assign_ticket(ticket=ticket, actor=s.agent, team=s.team)
    clock.at(utc(2025, 6, 2, 11))
    run_pass()
    assert set(Notification.objects.values_list("channel", "recipient")) == {
        ("email", "ops@provider.test"),
        ("in_app", "acme-agent"),
        ("in_app", "acme-engineer"),
    }


def test_a_paused_clock_does_not_escalate(clock):
    """Waiting on the customer pauses the resolution clock: it leaves the due index and no
    threshold fires while it is paused; after the resume its 50 % comes one pause later."""
    clock.at(utc(2025, 6, 2, 9))
    s = setup_contract(targets=TARGETS)
    clock.at(utc(2025, 6, 2, 10))
    ticket = open_p3(s)
    ts.acknowledge_ticket(ticket=ticket, actor=s.agent)
    clock.at(utc(2025, 6, 2, 12))
    ts.pause_ticket(ticket=ticket, actor=s.agent, reason="Waiting for logs")
    res = SlaClock.objects.get(ticket=ticket, metric=RES)
    assert res.next_check_at is None
    clock.at(utc(2025, 6, 2, 20))
    assert run_pass().clocks.thresholds == 0
    ts.resume_ticket(ticket=ticket, actor=s.agent)
    res.refresh_from_db()
    # 960 min target: 50 % = 8 h of running time; 2 h ran before the pause, 6 h remain from 20:00.
    assert res.next_check_at == utc(2025, 6, 3, 2)


@pytest.mark.django_db
def test_messages_of_a_priority_raising_step_quote_the_new_deadline(clock):
    """50 % of P3's first response (120 min from 10:00) at 11:00 raises the ticket to P2,
    whose 60-minute first response ends at 11:00, not 12:00: the manager's message says 11:00."""
    clock.at(utc(2025, 6, 2, 9))
    s = setup_contract(targets=TARGETS)
    set_escalation_policy(
        contract=s.contract,
        steps=[{"percent": 50, "raise_priority": True, "notify_service_manager": True}],
    )
    clock.at(utc(2025, 6, 2, 10))
    open_p3(s)
    clock.at(utc(2025, 6, 2, 11))
    run_pass()
    message = Notification.objects.get(recipient="acme-manager@provider.test")
    assert message.payload["deadline"] == utc(2025, 6, 2, 11).isoformat()
