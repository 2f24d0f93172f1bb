"""Approval workflow: computed -> approved | adjusted -> applied, every change audited."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from servicepact.billing import availability as availability_module
from servicepact.billing.models import CreditAudit, PeriodCredit
from servicepact.billing.services import (
    adjust_credits,
    approve_credits,
    compute_period_credits,
    flag_force_majeure,
    mark_applied,
)
from servicepact.billing.testing import june_month, ny
from servicepact.core.errors import DomainValidationError, TransitionError
from servicepact.core.models import ImmutableModelError

pytestmark = pytest.mark.django_db

D = Decimal


@pytest.fixture(autouse=True)
def _no_monitoring(monkeypatch):
    monkeypatch.setattr(availability_module, "contract_availability", None)


def trail(credit):
    return [
        (a.action, a.actor_name, a.reason, a.before and a.before["status"], a.after["status"])
        for a in CreditAudit.objects.filter(credit=credit).order_by("at", "id")
    ]


def test_approve_adjust_apply_are_audited_with_who_when_and_why(clock):
    """Computed 135.00 -> approved (135.00) -> adjusted to 100.00 -> applied; four audit rows
    with the actor, the instant, the reason and the amounts before and after."""
    june = june_month(clock)
    boss = june.manager
    credit = compute_period_credits(contract=june.contract, period="2025-06")
    clock.at(ny(2025, 7, 2, 9))
    credit = approve_credits(credit=credit, actor=boss, reason="Checked against the tickets")
    assert (credit.status, credit.approved_amount, credit.decided_at) == (
        "approved",
        D("135.00"),
        ny(2025, 7, 2, 9),
    )
    clock.at(ny(2025, 7, 3, 9))
    credit = adjust_credits(credit=credit, amount="100", actor=boss, reason="Goodwill agreed")
    clock.at(ny(2025, 7, 4, 9))
    credit = mark_applied(credit=credit, actor=boss, reason="Credit note CN-17")
    credit.refresh_from_db()
    assert (credit.status, credit.computed_amount, credit.approved_amount, credit.amount_due) == (
        "applied",
        D("135.00"),
        D("100.00"),
        D("100.00"),
    )
    assert credit.applied_at == ny(2025, 7, 4, 9)
    assert trail(credit) == [
        ("compute", "system", "", None, "computed"),
        ("approve", "acme-manager", "Checked against the tickets", "computed", "approved"),
        ("adjust", "acme-manager", "Goodwill agreed", "approved", "adjusted"),
        ("apply", "acme-manager", "Credit note CN-17", "adjusted", "applied"),
    ]
    adjust = CreditAudit.objects.get(credit=credit, action="adjust")
    assert (adjust.before["approved_amount"], adjust.after["approved_amount"]) == (
        "135.00",
        "100.00",
    )
    assert adjust.at == ny(2025, 7, 3, 9) and adjust.actor == boss


def test_invalid_transitions_are_409_and_write_nothing(clock):
    """Applying computed credits, approving twice, recomputing approved ones, and touching
    applied ones all raise TransitionError; the audit trail does not grow."""
    june = june_month(clock)
    boss = june.manager
    credit = compute_period_credits(contract=june.contract, period="2025-06")
    with pytest.raises(TransitionError):
        mark_applied(credit=credit, actor=boss)
    approve_credits(credit=credit, actor=boss, reason="ok")
    with pytest.raises(TransitionError):
        approve_credits(credit=credit, actor=boss, reason="again")
    with pytest.raises(TransitionError):
        compute_period_credits(contract=june.contract, period="2025-06")
    mark_applied(credit=credit, actor=boss)
    for attempt in (
        lambda: approve_credits(credit=credit, actor=boss, reason="x"),
        lambda: adjust_credits(credit=credit, amount="1", actor=boss, reason="x"),
        lambda: mark_applied(credit=credit, actor=boss),
        lambda: compute_period_credits(contract=june.contract, period="2025-06"),
    ):
        with pytest.raises(TransitionError):
            attempt()
    assert [a for a, *_ in trail(credit)] == ["compute", "approve", "apply"]
    credit.refresh_from_db()
    assert (credit.status, credit.approved_amount) == ("applied", D("135.00"))


def test_reason_and_amount_are_validated_and_nothing_changes(clock):
    """Approving or adjusting without a reason, or to a negative amount or fractions of a
    cent, is a 422 naming the field; the credit stays computed with one audit row."""
    june = june_month(clock)
    credit = compute_period_credits(contract=june.contract, period="2025-06")
    cases = [
        (lambda: approve_credits(credit=credit, actor=june.manager, reason=""), "reason"),
        (lambda: adjust_credits(credit=credit, amount="5", actor=june.manager, reason=" "), "reason"),
        (lambda: adjust_credits(credit=credit, amount="-1", actor=june.manager, reason="x"), "amount"),
        (lambda: adjust_credits(credit=credit, amount="1.234", actor=june.manager, reason="x"), "amount"),
        (lambda: adjust_credits(credit=credit, amount="abc", actor=june.manager, reason="x"), "amount"),
    ]  # fmt: skip
    for call, field in cases:
        with pytest.raises(DomainValidationError) as error:
            call()
        assert field in error.value.errors
    credit.refresh_from_db()
    assert (credit.status, credit.approved_amount, len(trail(credit))) == ("computed", None, 1)


def test_only_managers_decide_credits(clock):
    """An agent (staff without the manager or billing role) gets PermissionDenied (403)."""
    june = june_month(clock)
    credit = compute_period_credits(contract=june.contract, period="2025-06")
    with pytest.raises(PermissionDenied):
        approve_credits(credit=credit, actor=june.world.agent, reason="ok")
    with pytest.raises(PermissionDenied):
        flag_force_majeure(
            contract=june.contract, actor=june.world.agent, reason="x", ticket=june.tickets["T1"]
        )
    assert PeriodCredit.objects.get(pk=credit.pk).status == "computed"


def test_recompute_while_computed_is_audited_with_the_amounts_before(clock):
    """Flagging T1 as force majeure and recomputing: 135.00 -> 30.00 (only T2's first
    response remains); the recompute row keeps the old amount and lines."""
    june = june_month(clock)
    compute_period_credits(contract=june.contract, period="2025-06")
    flag_force_majeure(
        contract=june.contract, actor=june.manager, reason="Vandalism", ticket=june.tickets["T1"]
    )
    credit = compute_period_credits(contract=june.contract, period="2025-06", actor=june.manager)
    assert credit.computed_amount == D("30.00")
    row = CreditAudit.objects.get(credit=credit, action="recompute")
    assert (row.actor_name, row.before["computed_amount"], row.after["computed_amount"]) == (
        "acme-manager",
        "135.00",
        "30.00",
    )
    assert [x["amount"] for x in row.before["lines"]] == ["60.00", "45.00", "30.00", "0.00", "0.00"]


def test_the_claim_window_closes_recomputation(clock):
    """Claims for June are accepted until 30 Jul: on 31 Jul a recomputation is a 409."""
    june = june_month(clock)
    credit = compute_period_credits(contract=june.contract, period="2025-06")
    assert credit.claim_deadline == date(2025, 7, 30)
    clock.at(ny(2025, 7, 30, 23, 59))
    compute_period_credits(contract=june.contract, period="2025-06")
    clock.at(ny(2025, 7, 31, 0, 1))
    with pytest.raises(TransitionError, match="claim window"):
        compute_period_credits(contract=june.contract, period="2025-06")


def test_audit_rows_are_immutable(clock):
    """Saving an existing audit row again or deleting it raises."""
    june = june_month(clock)
    credit = compute_period_credits(contract=june.contract, period="2025-06")
    row = CreditAudit.objects.get(credit=credit)
    row.reason = "rewritten"
    with pytest.raises(ImmutableModelError):
        row.save()
    with pytest.raises(ImmutableModelError):
        row.delete()
    assert CreditAudit.objects.get(pk=row.pk).reason == ""
