"""Satisfaction-guarantee claims: the window in the customer's local days, the manager's
decision, and exactly one negative charge line for an approved claim (none otherwise)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from servicepact.aftercare.choices import ClaimStatus
from servicepact.aftercare.models import AftercarePolicy, GuaranteeClaim
from servicepact.aftercare.services import approve_claim, decline_claim, raise_claim
from servicepact.aftercare.testing import make_manager, resolved
from servicepact.billing.charges import close_charges
from servicepact.billing.choices import ChargeKind
from servicepact.billing.models import ChargeLine, PeriodCharge
from servicepact.billing.periods import Period
from servicepact.core.errors import DomainValidationError, TransitionError
from servicepact.core.testing import ny, utc
from servicepact.tickets.testing import login, world

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager(db):
    return make_manager()


@pytest.fixture
def acme(db):
    return world(code="acme")


@pytest.fixture
def globex(db):
    return world(code="globex", tz="Asia/Shanghai")


JUNE, JULY = Period(2025, 6), Period(2025, 7)


def claim_on(w, ticket, amount="120.00", kind="refund"):
    return raise_claim(
        ticket=ticket, actor=w.contact.user, kind=kind, amount=amount, reason="Took too long"
    )


def guarantee_lines(contract):
    return list(
        ChargeLine.objects.filter(charge__contract=contract, kind=ChargeKind.GUARANTEE)
        .order_by("charge__period")
        .values_list("charge__period", "amount")
    )


def test_day_7_is_accepted_and_day_8_refused_in_the_customers_zone(globex, clock):
    """Shanghai (UTC+8). Resolved Sun 1 Jun 2025 23:30 local (15:30 UTC): day 0 is 1 Jun,
    day 7 is 8 Jun. A claim at 8 Jun 23:59 local (15:59 UTC) is accepted; one at 9 Jun
    00:01 local (8 Jun 16:01 UTC, still 8 Jun in UTC) is refused with 422 on ``ticket``."""
    ticket = resolved(globex, clock, utc(2025, 6, 1, 2), utc(2025, 6, 1, 15, 30))
    clock.at(utc(2025, 6, 8, 16, 1))
    with pytest.raises(DomainValidationError) as late:
        claim_on(globex, ticket)
    assert set(late.value.errors) == {"ticket"}
    assert "7 days" in late.value.errors["ticket"][0]
    assert not GuaranteeClaim.objects.exists()
    clock.at(utc(2025, 6, 8, 15, 59))
    assert claim_on(globex, ticket).status == ClaimStatus.PENDING


def test_the_window_is_configurable_per_contract(acme, clock):
    """N = 3 on the contract: resolved 2 Jun, 5 Jun accepted, 6 Jun refused."""
    AftercarePolicy.objects.create(contract=acme.contract, guarantee_days=3)
    ticket = resolved(acme, clock, ny(2025, 6, 2, 9), ny(2025, 6, 2, 15))
    clock.at(ny(2025, 6, 6, 9))
    with pytest.raises(DomainValidationError):
        claim_on(acme, ticket)
    clock.at(ny(2025, 6, 5, 23))
    claim_on(acme, ticket)


def test_claim_validation(acme, clock):
    """Amount > 0 in the contract's minor unit, a known kind, a reason; one live claim a
    ticket."""
    ticket = resolved(acme, clock, ny(2025, 6, 2, 9), ny(2025, 6, 2, 15))
    with pytest.raises(DomainValidationError) as bad:
        raise_claim(ticket=ticket, actor=None, kind="cash", amount="0", reason=" ")
    assert set(bad.value.errors) == {"kind", "amount", "reason"}
    with pytest.raises(DomainValidationError) as cents:
        claim_on(acme, ticket, amount="1.234")
    assert set(cents.value.errors) == {"amount"}
    claim_on(acme, ticket)
    with pytest.raises(DomainValidationError) as twice:
        claim_on(acme, ticket)
    assert set(twice.value.errors) == {"ticket"}


def test_only_a_manager_decides_and_with_a_reason(acme, manager, clock):
    ticket = resolved(acme, clock, ny(2025, 6, 2, 9), ny(2025, 6, 2, 15))
    claim = claim_on(acme, ticket)
    with pytest.raises(PermissionDenied):
        approve_claim(claim=claim, actor=acme.agent, reason="ok")
    with pytest.raises(DomainValidationError) as no_reason:
        approve_claim(claim=claim, actor=manager, reason="")
    assert set(no_reason.value.errors) == {"reason"}
    decline_claim(claim=claim, actor=manager, reason="Within the SLA")
    with pytest.raises(TransitionError):
        approve_claim(claim=claim, actor=manager, reason="changed my mind")


def test_an_approved_claim_is_one_negative_line_of_the_months_charge(acme, manager, clock):
    """Fee 1,000.00 USD a month. A 120.00 refund approved 10 Jun: June's charge has the base
    fee 1,000.00 and the claim -120.00, total 880.00; July's charge has no claim line (the
    claim is charged once)."""
    acme.contract.fee_amount = Decimal("1000.00")
    acme.contract.save()
    ticket = resolved(acme, clock, ny(2025, 6, 2, 9), ny(2025, 6, 2, 15))
    claim = claim_on(acme, ticket)
    clock.at(ny(2025, 6, 10, 9))
    approve_claim(claim=claim, actor=manager, reason="Agreed")
    [june] = close_charges([acme.contract], JUNE, now=ny(2025, 7, 1, 2))
    claim.refresh_from_db()
    assert claim.charged_period == "2025-06"
    assert guarantee_lines(acme.contract) == [("2025-06", Decimal("-120.00"))]
    assert june.currency == "USD"
    assert PeriodCharge.objects.get(pk=june.pk).total == Decimal("880.00")
    close_charges([acme.contract], JULY, now=ny(2025, 8, 1, 2))
    assert guarantee_lines(acme.contract) == [("2025-06", Decimal("-120.00"))]


def test_pending_and_declined_claims_are_never_charged(acme, manager, clock):
    first = resolved(acme, clock, ny(2025, 6, 2, 9), ny(2025, 6, 2, 15))
    second = resolved(acme, clock, ny(2025, 6, 3, 9), ny(2025, 6, 3, 15), subject="Fan")
    claim_on(acme, first)
    declined = claim_on(acme, second, kind="credit")
    decline_claim(claim=declined, actor=manager, reason="Not covered")
    close_charges([acme.contract], JUNE, now=ny(2025, 7, 1, 2))
    assert guarantee_lines(acme.contract) == []
    assert not GuaranteeClaim.objects.exclude(charged_period="").exists()


def test_a_claim_approved_after_the_months_charge_goes_into_the_next_month(acme, manager, clock):
    """June's charge is produced 30 Jun 23:00 NY (before the claim's approval at 23:30):
    June is never touched; the claim is July's line, in JPY-free USD cents."""
    ticket = resolved(acme, clock, ny(2025, 6, 25, 9), ny(2025, 6, 25, 15))
    claim = claim_on(acme, ticket, amount="45.50", kind="credit")
    close_charges([acme.contract], JUNE, now=ny(2025, 6, 30, 23))
    clock.at(ny(2025, 6, 30, 23, 30))
    approve_claim(claim=claim, actor=manager, reason="Agreed")
    # a second close of June changes nothing (idempotent), July takes the claim
    assert close_charges([acme.contract], JUNE, now=ny(2025, 7, 1, 2)) == []
    close_charges([acme.contract], JULY, now=ny(2025, 8, 1, 2))
    assert guarantee_lines(acme.contract) == [("2025-07", Decimal("-45.50"))]


def test_a_claim_approved_in_july_waits_for_julys_charge(acme, manager, clock):
    """Approved 1 Jul 10:00 NY: June's charge closed after it does not take it (its month
    ended before the approval); July's does."""
    ticket = resolved(acme, clock, ny(2025, 6, 27, 9), ny(2025, 6, 27, 15))
    claim = claim_on(acme, ticket, amount="10")
    clock.at(ny(2025, 7, 1, 10))
    approve_claim(claim=claim, actor=manager, reason="ok")
    close_charges([acme.contract], JUNE, now=ny(2025, 7, 2, 2))
    assert guarantee_lines(acme.contract) == []
    close_charges([acme.contract], JULY, now=ny(2025, 8, 1, 2))
    assert guarantee_lines(acme.contract) == [("2025-07", Decimal("-10.00"))]


def test_portal_claim_form_and_tenancy(acme, globex, clock):
    mine = resolved(acme, clock, ny(2025, 6, 2, 9), ny(2025, 6, 2, 15))
    theirs = resolved(globex, clock, ny(2025, 6, 2, 9), ny(2025, 6, 2, 15))
    portal = login(acme.contact.user)
    data = {"claim-kind": "credit", "claim-amount": "50", "claim-reason": "Slow"}
    assert portal.post(f"/portal/tickets/{mine.pk}/claim/", data).status_code == 302
    assert portal.post(f"/portal/tickets/{theirs.pk}/claim/", data).status_code == 404
    assert list(GuaranteeClaim.objects.values_list("ticket_id", flat=True)) == [mine.pk]
    assert mine.number in portal.get("/portal/claims/").content.decode()
    assert theirs.number not in login(acme.contact.user).get("/portal/claims/").content.decode()


def test_desk_claims_page_decides_for_a_manager_only(acme, manager, clock):
    """An agent sees the claim but no decision form, and a POST is refused; the manager
    declines it with a reason."""
    ticket = resolved(acme, clock, ny(2025, 6, 2, 9), ny(2025, 6, 2, 15))
    claim = claim_on(acme, ticket)
    agent = login(acme.agent)
    page = agent.get("/desk/claims/").content.decode()
    assert ticket.number in page
    assert f"/desk/claims/{claim.pk}/decide/" not in page
    agent.post(f"/desk/claims/{claim.pk}/decide/", {"decision": "approve", "reason": "ok"})
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.PENDING
    boss = login(manager)
    assert f"/desk/claims/{claim.pk}/decide/" in boss.get("/desk/claims/").content.decode()
    boss.post(f"/desk/claims/{claim.pk}/decide/", {"decision": "decline", "reason": "SLA met"})
    claim.refresh_from_db()
    assert (claim.status, claim.decision_reason) == (ClaimStatus.DECLINED, "SLA met")
