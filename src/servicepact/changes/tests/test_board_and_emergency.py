"""The change advisory board (all or quorum), standard changes, and emergency changes
approved after the fact; every step an event on the change's timeline."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from servicepact.changes import services as cs
from servicepact.changes.choices import ChangeKind, ChangeStatus
from servicepact.changes.models import Change
from servicepact.core.errors import DomainValidationError, TransitionError
from servicepact.tickets.testing import user, world

from .conftest import ny

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]


@pytest.fixture
def w():
    return world()


@pytest.fixture
def board():
    return [user(f"cab{i}", staff=True) for i in (1, 2, 3)]


def request(w, *, kind=ChangeKind.NORMAL, approvers=(), rule="all", quorum=None, template=None):
    return cs.request_change(
        customer=w.customer,
        title="Firmware",
        assets=[w.asset],
        planned_start=ny(2025, 6, 14, 2),
        planned_end=ny(2025, 6, 14, 4),
        details=cs.ChangeDetails(
            kind=kind,
            approvers=list(approvers),
            cab_rule=rule,
            cab_quorum=quorum,
            template=template,
            impact=3,
            likelihood=2,
            rollback_plan="Flash the previous image.",
        ),
        actor=w.agent,
    )


def kinds(change):
    return [e.kind for e in change.events.order_by("at", "id")]


def test_all_rule_needs_every_member_and_the_customer(w, board):
    """Two of three board yes votes and the customer's approval: still requested. The third
    yes approves it; the timeline shows each step in order."""
    change = request(w, approvers=board)
    assert (change.risk_score, change.risk) == (6, "high")
    cs.vote_on_change(change=change, actor=board[0], approve=True)
    cs.vote_on_change(change=change, actor=board[1], approve=True)
    change = cs.approve_change(change=change, actor=w.contact.user)
    assert (change.status, change.cab_approved) == (ChangeStatus.REQUESTED, None)
    change = cs.vote_on_change(change=change, actor=board[2], approve=True, note="ok")
    assert (change.status, change.cab_approved) == (ChangeStatus.APPROVED, True)
    assert kinds(change) == [
        "requested",
        "cab_vote",
        "cab_vote",
        "customer_approved",
        "cab_vote",
        "cab_approved",
        "approved",
    ]


def test_one_no_under_all_rejects(w, board):
    change = request(w, approvers=board)
    change = cs.vote_on_change(change=change, actor=board[1], approve=False, note="risky")
    assert (change.status, change.cab_approved) == (ChangeStatus.REJECTED, False)
    with pytest.raises(TransitionError):
        cs.approve_change(change=change, actor=w.contact.user)


def test_quorum_of_two_approves_on_the_second_yes_and_rejects_when_out_of_reach(w, board):
    """Quorum 2 of 3: yes, yes -> approved by the board. Another change: no, no -> one vote
    left cannot reach 2 -> rejected."""
    change = request(w, approvers=board, rule="quorum", quorum=2)
    cs.approve_change(change=change, actor=w.contact.user)
    cs.vote_on_change(change=change, actor=board[0], approve=True)
    change = cs.vote_on_change(change=change, actor=board[2], approve=True)
    assert change.status == ChangeStatus.APPROVED
    with pytest.raises(TransitionError):  # the board has decided
        cs.vote_on_change(change=change, actor=board[1], approve=False)
    other = request(w, approvers=board, rule="quorum", quorum=2)
    cs.vote_on_change(change=other, actor=board[0], approve=False)
    assert Change.objects.get(pk=other.pk).status == ChangeStatus.REQUESTED
    other = cs.vote_on_change(change=other, actor=board[1], approve=False)
    assert other.status == ChangeStatus.REJECTED


def test_only_named_members_vote_and_once(w, board):
    change = request(w, approvers=board[:2])
    with pytest.raises(PermissionDenied):
        cs.vote_on_change(change=change, actor=board[2], approve=True)
    with pytest.raises(PermissionDenied):
        cs.vote_on_change(change=change, actor=w.contact.user, approve=True)
    cs.vote_on_change(change=change, actor=board[0], approve=True)
    with pytest.raises(TransitionError):
        cs.vote_on_change(change=change, actor=board[0], approve=True)


def test_board_rules_are_validated(w, board):
    with pytest.raises(DomainValidationError) as err:
        request(w, approvers=board, rule="quorum", quorum=4)
    assert list(err.value.errors) == ["cab_quorum"]
    with pytest.raises(DomainValidationError) as err:
        request(w, approvers=[w.contact.user])
    assert list(err.value.errors) == ["approvers"]
    with pytest.raises(DomainValidationError) as err:
        request(w, kind=ChangeKind.STANDARD)
    assert list(err.value.errors) == ["template"]


def test_standard_change_skips_the_board_and_takes_the_template_plans(w, board):
    """A standard change's template is pre-approved: no board vote; the customer approves."""
    template = cs.create_template(
        title="Disk swap",
        impact=1,
        likelihood=1,
        implementation_plan="Hot-swap the disk.",
        rollback_plan="Put the old disk back.",
        actor=w.agent,
    )
    change = request(w, kind=ChangeKind.STANDARD, template=template, approvers=board)
    assert (change.cab_approved, change.approvals.count()) == (True, 0)
    assert change.implementation_plan == "Hot-swap the disk."
    assert change.rollback_plan == "Flash the previous image."  # its own plan wins
    change = cs.approve_change(change=change, actor=w.contact.user)
    assert change.status == ChangeStatus.APPROVED


def test_emergency_change_starts_unapproved_and_is_approved_after_the_fact(w, board, clock):
    """An emergency change starts while requested (a normal one may not); the board and the
    customer approve afterwards: approved_after_fact. Its status stays where execution is."""
    normal = request(w, approvers=board)
    with pytest.raises(TransitionError):
        cs.execute_change(change=normal, action="start", actor=w.agent)
    change = request(w, kind=ChangeKind.EMERGENCY, approvers=board[:1])
    change = cs.execute_change(change=change, action="start", actor=w.agent)
    assert (change.status, change.approved_after_fact) == (ChangeStatus.IN_PROGRESS, False)
    clock.at(ny(2025, 6, 9, 11))
    change = cs.execute_change(change=change, action="implement", actor=w.agent)
    change = cs.execute_change(change=change, action="verify", actor=w.agent)
    clock.at(ny(2025, 6, 10, 9))
    change = cs.vote_on_change(change=change, actor=board[0], approve=True)
    change = cs.approve_change(change=change, actor=w.contact.user)
    assert change.status == ChangeStatus.DONE
    assert change.approved_after_fact is True
    assert kinds(change) == [
        "requested",
        "started",
        "implemented",
        "verified",
        "cab_vote",
        "cab_approved",
        "customer_approved",
    ]


def test_customer_may_refuse_an_emergency_change_after_the_fact(w):
    """The "no" is recorded (never planned downtime) and a later approval is refused."""
    change = request(w, kind=ChangeKind.EMERGENCY)
    cs.execute_change(change=change, action="start", actor=w.agent)
    change = cs.reject_change(change=change, actor=w.contact.user, reason="not agreed")
    assert (change.status, change.approved_at, change.rejection_reason) == (
        ChangeStatus.IN_PROGRESS,
        None,
        "not agreed",
    )
    with pytest.raises(TransitionError):
        cs.approve_change(change=change, actor=w.contact.user)


def test_execution_follows_the_table(w):
    change = request(w)
    cs.approve_change(change=change, actor=w.contact.user)
    with pytest.raises(TransitionError):
        cs.execute_change(change=change, action="verify", actor=w.agent)
    with pytest.raises(PermissionDenied):
        cs.execute_change(change=change, action="start", actor=w.contact.user)
    change = cs.execute_change(change=change, action="start", actor=w.agent)
    change = cs.execute_change(change=change, action="roll_back", actor=w.agent, note="BMC hung")
    assert (change.status, change.completed_at) == (ChangeStatus.ROLLED_BACK, ny(2025, 6, 9, 9))
    assert change.events.get(kind="rolled_back").note == "BMC hung"
    with pytest.raises(TransitionError):
        cs.execute_change(change=change, action="fail", actor=w.agent)
