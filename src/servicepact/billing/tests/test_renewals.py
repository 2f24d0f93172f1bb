"""Renewal proposals: prepared by staff with the closing term's figures, sent by a manager,
accepted (a new term through renew_contract) or declined (nothing changes) by the customer."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import translation

from servicepact.billing.credits import monthly_fee
from servicepact.billing.models import FeeChange, WorkLog
from servicepact.billing.periods import Period
from servicepact.billing.renewals import (
    accept_renewal,
    decline_renewal,
    prepare_renewal,
    renewals_visible,
    send_renewal,
    withdraw_renewal,
)
from servicepact.billing.testing_commerce import shop
from servicepact.contracts.choices import CoverageStatus
from servicepact.contracts.escalation import ContractEventKind
from servicepact.contracts.models import Contract
from servicepact.core.errors import DomainValidationError, TransitionError
from servicepact.core.testing import Clock, ny
from servicepact.notifications.models import Notification
from servicepact.tickets import services as ts
from servicepact.tickets.choices import EventKind
from servicepact.tickets.system_notes import stored_reason
from servicepact.tickets.testing import world

pytestmark = pytest.mark.django_db


def _ending(s, end: date) -> Contract:
    Contract.objects.filter(pk=s.contract.pk).update(end_date=end)
    s.contract.refresh_from_db()
    return s.contract


def test_accepted_proposal_is_a_new_term_through_renew_contract(clock: Clock):
    s = shop(clock)
    contract = _ending(s, date(2025, 12, 31))
    s.world.contact.email = "it@acme.test"
    s.world.contact.receives_statements = True
    s.world.contact.preferred_language = "zh-hans"
    s.world.contact.save()
    WorkLog.objects.create(ticket=s.ticket, user=s.world.agent, minutes=90, date=date(2025, 6, 2))
    clock.at(ny(2025, 11, 3, 10))
    proposal = prepare_renewal(
        contract=contract, end_date=date(2026, 12, 31), fee_amount="3300", actor=s.world.agent
    )
    assert proposal.start_date == date(2026, 1, 1)
    assert proposal.summary["tickets_opened"] == 1
    assert proposal.summary["hours_used"] == "1.50"
    assert proposal.summary["hours_included"] == "120.00"  # 10 h a month, Jan-Dec
    assert proposal.summary["credits_paid"] == "0.00"
    # Not sent yet: the contact neither sees nor answers it.
    assert not renewals_visible(s.world.contact.user).exists()
    with pytest.raises(TransitionError):
        accept_renewal(proposal=proposal, actor=s.world.contact.user)
    with pytest.raises(PermissionDenied):  # an agent is not a manager
        send_renewal(proposal=proposal, actor=s.world.agent)
    send_renewal(proposal=proposal, actor=s.manager)
    mail = Notification.objects.get(event="renewal.proposed", recipient="it@acme.test")
    assert mail.language == "zh-hans" and "续约方案" in mail.subject
    accepted = accept_renewal(proposal=proposal, actor=s.world.contact.user, note="fine")
    contract.refresh_from_db()
    assert contract.end_date == date(2026, 12, 31)
    # The closing term keeps its fee; the new one starts with the new term (billing.fees).
    assert contract.fee_amount == Decimal("3000.00")
    assert monthly_fee(contract, Period(2025, 12)) == Decimal("3000.00")
    assert monthly_fee(contract, Period(2026, 1)) == Decimal("3300.00")
    assert accepted.version is not None and accepted.answer_note == "fine"
    renewed = contract.events.filter(kind=ContractEventKind.RENEWED)
    assert renewed.count() == 1 and renewed.get().data["end_date"] == "2026-12-31"
    # A second accept is refused: no double term.
    with pytest.raises(TransitionError):
        accept_renewal(proposal=proposal, actor=s.world.contact.user)
    contract.refresh_from_db()
    assert contract.end_date == date(2026, 12, 31)
    assert contract.events.filter(kind=ContractEventKind.RENEWED).count() == 1


def test_declined_proposal_changes_nothing(clock: Clock):
    s = shop(clock)
    contract = _ending(s, date(2025, 12, 31))
    clock.at(ny(2025, 11, 3, 10))
    proposal = prepare_renewal(
        contract=contract, end_date=date(2026, 12, 31), fee_amount="3300", actor=s.world.agent
    )
    send_renewal(proposal=proposal, actor=s.manager)
    declined = decline_renewal(proposal=proposal, actor=s.world.contact.user, note="too dear")
    assert declined.status == "declined" and declined.answer_note == "too dear"
    contract.refresh_from_db()
    assert contract.end_date == date(2025, 12, 31) and contract.fee_amount == Decimal("3000.00")
    assert monthly_fee(contract, Period(2026, 1)) == Decimal("3000.00")
    assert not contract.events.filter(kind=ContractEventKind.RENEWED).exists()
    with pytest.raises(TransitionError):
        accept_renewal(proposal=proposal, actor=s.world.contact.user)


def test_another_customer_cannot_answer_and_does_not_see(clock: Clock):
    s = shop(clock)
    other = world(code="globex")
    contract = _ending(s, date(2025, 12, 31))
    proposal = prepare_renewal(
        contract=contract, end_date=date(2026, 6, 30), fee_amount="3000", actor=s.world.agent
    )
    send_renewal(proposal=proposal, actor=s.manager)
    assert not renewals_visible(other.contact.user).exists()
    assert renewals_visible(s.world.contact.user).count() == 1
    with pytest.raises(PermissionDenied):
        accept_renewal(proposal=proposal, actor=other.contact.user)
    with pytest.raises(PermissionDenied):
        accept_renewal(proposal=proposal, actor=s.world.agent)  # staff do not answer for them


def test_bad_end_date_and_second_proposal_after_renewal(clock: Clock):
    s = shop(clock)
    contract = _ending(s, date(2025, 12, 31))
    with pytest.raises(DomainValidationError) as err:
        prepare_renewal(
            contract=contract, end_date=date(2025, 12, 1), fee_amount="1", actor=s.world.agent
        )
    assert "end_date" in err.value.errors
    with pytest.raises(DomainValidationError) as err:
        prepare_renewal(
            contract=contract, end_date=date(2026, 12, 1), fee_amount="x", actor=s.world.agent
        )
    assert "fee_amount" in err.value.errors
    with pytest.raises(PermissionDenied):
        prepare_renewal(
            contract=contract, end_date=date(2026, 12, 1), fee_amount="1",
            actor=s.world.contact.user,
        )  # fmt: skip
    first, second = (
        prepare_renewal(
            contract=contract, end_date=date(2026, 12, 31), fee_amount="3000", actor=s.manager
        )
        for _ in range(2)
    )
    for p in (first, second):
        send_renewal(proposal=p, actor=s.manager)
    accept_renewal(proposal=first, actor=s.world.contact.user)
    with pytest.raises(TransitionError):  # the term it proposed no longer follows the contract
        accept_renewal(proposal=second, actor=s.world.contact.user)
    contract.refresh_from_db()
    assert contract.end_date == date(2026, 12, 31)
    assert contract.events.filter(kind=ContractEventKind.RENEWED).count() == 1
    withdraw_renewal(proposal=second, actor=s.manager)


def test_contract_in_grace_is_reinstated_and_its_grace_tickets_covered(clock: Clock):
    s = shop(clock)
    contract = _ending(s, date(2025, 6, 30))
    clock.at(ny(2025, 7, 8, 10))  # in grace (30 days)
    grace_ticket = ts.open_ticket(
        customer=s.world.customer, subject="Fan", opened_at=ny(2025, 7, 8, 10)
    )
    assert grace_ticket.coverage == CoverageStatus.GRACE
    proposal = prepare_renewal(
        contract=contract, end_date=date(2026, 6, 30), fee_amount="3000", actor=s.world.agent
    )
    send_renewal(proposal=proposal, actor=s.manager)
    proposal = accept_renewal(proposal=proposal, actor=s.world.contact.user)
    grace_ticket.refresh_from_db()
    s.ticket.refresh_from_db()
    assert grace_ticket.coverage == CoverageStatus.ACTIVE
    assert grace_ticket.coverage_expires_on is None
    assert grace_ticket.contract_version == proposal.version
    event = grace_ticket.events.filter(kind=EventKind.UPDATED).last()
    assert event is not None and event.data["coverage"] == ["grace", "active"]
    assert s.ticket.coverage == CoverageStatus.ACTIVE  # opened in the old term: untouched
    assert not s.ticket.events.filter(kind=EventKind.UPDATED).exists()
    contract.refresh_from_db()
    assert contract.status == "active"
    # The explanation is the current one (the renewed term), with facts: in either language.
    assert grace_ticket.coverage_facts["code"] == "active"
    with translation.override("en"):
        english = grace_ticket.coverage_text
    assert english == grace_ticket.coverage_explanation
    assert f"covered by contract {contract.number}" in english
    assert "terms v2 in force since 2025-07-01, term 2025-01-01 to 2026-06-30" in english
    assert "IN GRACE" not in english
    with translation.override("zh-hans"):
        chinese = grace_ticket.coverage_text
    assert chinese != english and "2026-06-30" in chinese and "宽限期" not in chinese


def test_a_new_fee_needs_a_term_starting_on_the_first(clock: Clock):
    s = shop(clock)
    contract = _ending(s, date(2025, 12, 14))
    with pytest.raises(DomainValidationError) as err:
        prepare_renewal(
            contract=contract, end_date=date(2026, 12, 14), fee_amount="3300", actor=s.manager
        )
    assert "fee_amount" in err.value.errors
    same = prepare_renewal(
        contract=contract, end_date=date(2026, 12, 14), fee_amount="3000", actor=s.manager
    )
    assert same.start_date == date(2025, 12, 15)


def test_the_renewals_reasons_are_stored_in_english_and_shown_in_the_readers_language(
    clock: Clock,
):
    """A Chinese contact accepts: the version's, the fee change's and the grace ticket's
    reasons are stored in English (not in the writer's language) with their notes, and read
    Chinese for a Chinese reader, English for an English one."""
    s = shop(clock)
    contract = _ending(s, date(2025, 6, 30))
    s.world.contact.preferred_language = "zh-hans"
    s.world.contact.save()
    clock.at(ny(2025, 7, 8, 10))  # in grace
    grace_ticket = ts.open_ticket(
        customer=s.world.customer, subject="Fan", opened_at=ny(2025, 7, 8, 10)
    )
    proposal = prepare_renewal(
        contract=contract, end_date=date(2026, 6, 30), fee_amount="3300", actor=s.manager
    )
    send_renewal(proposal=proposal, actor=s.manager)
    with translation.override("zh-hans"):  # the contact's request runs in Chinese
        proposal = accept_renewal(proposal=proposal, actor=s.world.contact.user)
    version = proposal.version
    assert version is not None
    name, pk = s.world.contact.name, proposal.pk
    english = (
        f"Renewal proposal {pk} accepted by {name}: 2025-07-01 to 2026-06-30"
        f"; fee 3300.00 USD from 2025-07-01"
    )
    chinese = f"续约方案 {pk} 已由 {name} 接受：2025-07-01 至 2026-06-30；自 2025-07-01 起费用 3300.00 USD"
    assert version.reason == english
    fee_change = FeeChange.objects.get(contract=contract)
    assert fee_change.reason == f"Renewal proposal {pk}"
    event = grace_ticket.events.filter(kind=EventKind.UPDATED).last()
    assert event is not None and event.data["reason"] == english
    with translation.override("zh-hans"):
        assert stored_reason(version) == chinese
        assert fee_change.reason_text == f"续约方案 {pk}"
        assert event.reason_text == chinese
    with translation.override("en"):
        assert stored_reason(version) == english
        assert fee_change.reason_text == f"Renewal proposal {pk}"
        assert event.reason_text == english
