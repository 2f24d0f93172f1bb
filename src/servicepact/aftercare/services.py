"""All writes of the after-repair work: follow-ups, surveys, guarantee claims.

Follow-ups are created by the worker from resolved tickets (``create_followups``: tickets
resolved in the last ``LOOKBACK`` with none yet, through the ``resolved_at`` index), so the
ticket services below this app need no hook. One per ticket: a ticket reopened and resolved
again keeps its follow-up.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from servicepact.accounts.actors import Actor, may_decide_money
from servicepact.aftercare.choices import (
    SCORES,
    ClaimKind,
    ClaimStatus,
    FollowUpStatus,
    Outcome,
    SurveyVia,
    claim_allows,
)
from servicepact.aftercare.models import FollowUp, GuaranteeClaim, Survey
from servicepact.aftercare.policy import due_date, terms_for
from servicepact.core.errors import DomainValidationError, TransitionError
from servicepact.core.money import parse_amount
from servicepact.core.time import local_date, require_aware
from servicepact.core.time import now as current_time
from servicepact.customers.models import Contact
from servicepact.tickets.choices import EventKind, Status
from servicepact.tickets.models import Ticket, TicketEvent
from servicepact.tickets.survey_link import LinkExpired, LinkForged, read_survey_token

LOOKBACK = timedelta(days=14)
BATCH = 500
NOTE_MAX = 4000
RESOLVED_STATES = (Status.RESOLVED, Status.CLOSED)

__all__ = ["LinkExpired", "LinkForged"]


def _text(field: str, value: str, *, required: str = "") -> str:
    value = (value or "").strip()
    if required and not value:
        raise DomainValidationError({field: [required]})
    if len(value) > NOTE_MAX:
        raise DomainValidationError({field: [_("at most %(max)s characters") % {"max": NOTE_MAX}]})
    return value


# ---------------------------------------------------------------- follow-ups


def create_followups(*, now: datetime | None = None, limit: int = BATCH) -> int:
    """The worker's step: a follow-up for each ticket resolved in the last ``LOOKBACK`` that
    has none and whose contract (or warranty tier, without a contract) wants one. Returns how
    many were created.

    Steps: 1. the candidates through the ``resolved_at`` index (no follow-up yet, a
    contract or a warranty); 2. per ticket, the contract's terms (on/off, channel, business days);
    3. insert, an existing row (a concurrent pass) is skipped by the unique ticket."""
    moment = require_aware(now or current_time(), "now")
    candidates = (
        Ticket.objects.filter(
            Q(contract__isnull=False) | Q(warranty__isnull=False),  # a warranty tier's too
            resolved_at__gte=moment - LOOKBACK,
            resolved_at__lte=moment,
            followup__isnull=True,
        )
        .select_related("contract", "contract__plan", "warranty__plan", "assignee")
        .order_by("resolved_at", "pk")[:limit]
    )
    created = 0
    for ticket in candidates:
        created += create_followup(ticket=ticket) is not None
    return created


def create_followup(*, ticket: Ticket) -> FollowUp | None:
    """The ticket's follow-up (None when its contract has them off or it is not resolved).
    Idempotent: an existing follow-up is returned unchanged."""
    existing = FollowUp.objects.filter(ticket=ticket).first()
    if existing is not None:
        return existing
    contract = ticket.contract
    # A ticket a warranty covers has no contract: its tier's plan sets the policy.
    warranty = ticket.warranty
    plan = contract.plan if contract is not None else warranty.plan if warranty else None
    terms = terms_for(contract, plan=plan)
    if plan is None or ticket.resolved_at is None or not terms.followups_enabled:
        return None
    resolved_on = local_date(ticket.resolved_at, ticket.timezone)
    try:
        with transaction.atomic():
            return FollowUp.objects.create(
                ticket=ticket,
                customer_id=ticket.customer_id,
                channel=terms.followup_channel,
                assignee=ticket.assignee or (contract.service_manager if contract else None),
                due_on=due_date(plan, resolved_on, terms.followup_business_days),
            )
    except IntegrityError:  # a concurrent pass created it
        return FollowUp.objects.filter(ticket=ticket).first()


@transaction.atomic
def record_followup_outcome(
    *, followup: FollowUp, actor: Actor, outcome: str, note: str = "", at: datetime | None = None
) -> FollowUp:
    """Done: the outcome (reached, satisfied, not satisfied, no answer) and a note."""
    followup = FollowUp.objects.select_for_update().get(pk=followup.pk)
    if followup.status != FollowUpStatus.OPEN:
        raise TransitionError(_("this follow-up is already done"))
    if outcome not in Outcome.values:
        raise DomainValidationError(
            {"outcome": [_("choose one of: %(values)s") % {"values": ", ".join(Outcome.values)}]}
        )
    required = _("say what the customer said") if outcome == Outcome.NOT_SATISFIED else ""
    followup.note = _text("note", note, required=required)
    followup.outcome = outcome
    followup.status = FollowUpStatus.DONE
    followup.done_at = require_aware(at or current_time(), "at")
    followup.done_by = actor if actor is not None and actor.pk else None
    followup.save()
    return followup


# ---------------------------------------------------------------- surveys


def _score(value: Any) -> int:
    """1..5 from an int or its text; anything else (a bool, 0, 6, "five") is a field error."""
    try:
        number = int(str(value).strip()) if not isinstance(value, bool) else 0
    except ValueError:
        number = 0
    if number not in SCORES:
        raise DomainValidationError({"score": [_("give a score from 1 to 5")]})
    return number


@transaction.atomic
def answer_survey(
    *,
    ticket: Ticket,
    score: Any,
    comment: str = "",
    via: str = SurveyVia.PORTAL,
    contact: Contact | None = None,
    at: datetime | None = None,
) -> Survey:
    """The ticket's one survey (422 on ``score``/``comment``/``ticket``, 409 when answered)."""
    ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
    errors: dict[str, list[str]] = {}
    if ticket.status not in RESOLVED_STATES:
        errors["ticket"] = [_("a survey is answered once the ticket is resolved")]
    try:
        value = _score(score)
    except DomainValidationError as exc:
        errors.update(exc.errors)
        value = 0
    try:
        text = _text("comment", comment)
    except DomainValidationError as exc:
        errors.update(exc.errors)
    if errors:
        raise DomainValidationError(errors)
    if Survey.objects.filter(ticket=ticket).exists():
        raise TransitionError(_("this ticket's survey is already answered"))
    return Survey.objects.create(
        ticket=ticket,
        customer_id=ticket.customer_id,
        contract_id=ticket.contract_id,
        score=value,
        comment=text,
        via=via,
        contact=contact or ticket.contact,
        answered_at=require_aware(at or current_time(), "at"),
    )


def ticket_of_link(token: str) -> Ticket:
    """The ticket a survey link names (``LinkForged``/``LinkExpired`` from
    ``tickets.survey_link``; a good signature naming no resolution of that ticket is forged)."""
    link = read_survey_token(token)
    event = (
        TicketEvent.objects.filter(
            pk=link.event_id, ticket_id=link.ticket_id, kind=EventKind.RESOLVED
        )
        .select_related("ticket")
        .first()
    )
    if event is None:
        raise LinkForged
    return event.ticket


def answer_survey_by_link(
    *, token: str, score: Any, comment: str = "", at: datetime | None = None
) -> Survey:
    """The public link's answer: single use (a second answer is refused with 409)."""
    ticket = ticket_of_link(token)
    return answer_survey(ticket=ticket, score=score, comment=comment, via=SurveyVia.LINK, at=at)


# ---------------------------------------------------------------- guarantee claims


def guarantee_window(ticket: Ticket) -> tuple[int, Any]:
    """(N days, the last local day a claim is accepted) for a resolved ticket."""
    days = terms_for(ticket.contract).guarantee_days
    assert ticket.resolved_at is not None
    return days, local_date(ticket.resolved_at, ticket.timezone) + timedelta(days=days)


@transaction.atomic
def raise_claim(
    *,
    ticket: Ticket,
    actor: Actor,
    kind: str,
    amount: Any,
    reason: str,
    at: datetime | None = None,
) -> GuaranteeClaim:
    """A refund or credit claim under the satisfaction guarantee: within N days of the
    ticket's resolution, counted in local days of the ticket's (customer's) zone (day N is
    accepted, day N+1 refused: 422 on ``ticket``)."""
    ticket = (
        Ticket.objects.select_for_update(of=("self",)).select_related("contract").get(pk=ticket.pk)
    )
    moment = require_aware(at or current_time(), "at")
    errors: dict[str, list[str]] = {}
    contract = ticket.contract
    if contract is None:
        errors["ticket"] = [_("only a ticket under a contract has a satisfaction guarantee")]
    elif ticket.status not in RESOLVED_STATES or ticket.resolved_at is None:
        errors["ticket"] = [_("a claim is raised once the ticket is resolved")]
    else:
        days, last_day = guarantee_window(ticket)
        if local_date(moment, ticket.timezone) > last_day:
            errors["ticket"] = [
                _(
                    "the satisfaction guarantee allows claims within %(days)s days of the "
                    "resolution (until %(date)s)"
                )
                % {"days": days, "date": last_day.isoformat()}
            ]
        elif GuaranteeClaim.objects.filter(
            ticket=ticket, status__in=(ClaimStatus.PENDING, ClaimStatus.APPROVED)
        ).exists():
            errors["ticket"] = [_("this ticket already has a pending or approved claim")]
    if kind not in ClaimKind.values:
        errors["kind"] = [_("choose one of: %(values)s") % {"values": ", ".join(ClaimKind.values)}]
    value = Decimal(0)
    if contract is not None:
        try:
            value = parse_amount(amount, contract.fee_currency, field="amount")
        except DomainValidationError as exc:
            errors.update(exc.errors)
        else:
            if value <= 0:
                errors["amount"] = [_("must be more than zero")]
    try:
        text = _text("reason", reason, required=_("say why you claim"))
    except DomainValidationError as exc:
        errors.update(exc.errors)
    if errors:
        raise DomainValidationError(errors)
    assert contract is not None
    return GuaranteeClaim.objects.create(
        ticket=ticket,
        customer_id=ticket.customer_id,
        contract=contract,
        kind=kind,
        amount=value,
        currency=contract.fee_currency,
        reason=text,
        raised_at=moment,
        raised_by=actor if actor is not None and actor.pk else None,
    )


def _decide(
    claim: GuaranteeClaim, *, actor: Actor, action: str, to: str, reason: str, at: datetime | None
) -> GuaranteeClaim:
    if not may_decide_money(actor):
        raise PermissionDenied(_("only a service manager or billing may decide claims"))
    claim = GuaranteeClaim.objects.select_for_update().get(pk=claim.pk)
    if not claim_allows(action, claim.status):
        raise TransitionError(
            _("a claim in status %(status)s cannot be decided") % {"status": claim.status}
        )
    claim.decision_reason = _text("reason", reason, required=_("give a reason"))
    claim.status = to
    claim.decided_at = require_aware(at or current_time(), "at")
    claim.decided_by = actor
    claim.save()
    return claim


@transaction.atomic
def approve_claim(
    *, claim: GuaranteeClaim, actor: Actor, reason: str, at: datetime | None = None
) -> GuaranteeClaim:
    """Approved: the claim becomes a negative line of the first period charge closed after
    this instant whose month is not before it (``billing.charges``)."""
    return _decide(
        claim, actor=actor, action="approve", to=ClaimStatus.APPROVED, reason=reason, at=at
    )


@transaction.atomic
def decline_claim(
    *, claim: GuaranteeClaim, actor: Actor, reason: str, at: datetime | None = None
) -> GuaranteeClaim:
    """Declined with a reason: nothing is charged."""
    return _decide(
        claim, actor=actor, action="decline", to=ClaimStatus.DECLINED, reason=reason, at=at
    )
