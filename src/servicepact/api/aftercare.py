"""After the repair (``servicepact.aftercare``): satisfaction surveys, follow-ups and
satisfaction-guarantee claims.

GET    /surveys                       list: staff all, a contact its own customer's tickets'
GET    /surveys/{id}                  one (404 outside the caller's tenancy)
POST   /surveys                       answer a ticket's survey (its contact's customer, staff)
(The resolution e-mail's signed link is answered on its public page,
``/portal/survey/<token>/``: no API token needed there.)
GET    /followups                     staff: the follow-ups (``?status=open&due_by=``)
GET    /followups/{id}                staff
POST   /followups/{id}/outcome        staff: reached | satisfied | not_satisfied | no_answer
GET    /guarantee-claims              staff all, a contact its own customer's
GET    /guarantee-claims/{id}
POST   /guarantee-claims              raise a claim on a resolved ticket within N days (422
                                      on ``ticket`` after the window)
POST   /guarantee-claims/{id}/approve service manager, billing (403 others); {reason}
POST   /guarantee-claims/{id}/decline service manager, billing; {reason}
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status

from servicepact.accounts.actors import actor_of
from servicepact.aftercare import services
from servicepact.aftercare.choices import ClaimStatus, FollowUpStatus, SurveyVia
from servicepact.aftercare.models import FollowUp, GuaranteeClaim, Survey
from servicepact.aftercare.selectors import claims_for, followups_for, surveys_for
from servicepact.api.common import (
    ListOut,
    PageQuery,
    caller_contact,
    get_or_404,
    reference,
    rendered_page,
    require_staff,
    status_filter,
)
from servicepact.core.api_schema import (
    MAX_DB_INT,
    ApiIn,
    Id,
    idempotent,
    model_text,
    reads,
    writes,
)
from servicepact.tickets.selectors import tickets_for

router = Router(tags=["aftercare"])


class AftercareTicketRef(Schema):
    id: int
    number: str


class SurveyOut(Schema):
    id: int
    ticket: AftercareTicketRef
    score: int
    comment: str
    via: str
    answered_at: dt.datetime


class SurveyList(ListOut):
    items: list[SurveyOut]


class SurveyFilters(PageQuery, ApiIn):
    ticket: int | None = Field(None, ge=1, le=MAX_DB_INT)
    contract: int | None = Field(None, ge=1, le=MAX_DB_INT)


class SurveyIn(ApiIn):
    ticket: int = Field(..., ge=1, le=MAX_DB_INT)
    score: int = Field(..., ge=1, le=5)
    comment: Annotated[str, model_text(Survey, "comment")] = ""


class FollowUpOut(Schema):
    id: int
    ticket: AftercareTicketRef
    channel: str
    assignee: str | None
    due_on: dt.date
    status: str
    outcome: str
    note: str
    done_at: dt.datetime | None


class FollowUpList(ListOut):
    items: list[FollowUpOut]


class FollowUpFilters(PageQuery, ApiIn):
    status: str | None = None
    due_by: dt.date | None = None


class OutcomeIn(ApiIn):
    outcome: str = Field(..., max_length=16)
    note: Annotated[str, model_text(FollowUp, "note")] = ""


class ClaimOut(Schema):
    id: int
    ticket: AftercareTicketRef
    contract: AftercareTicketRef
    kind: str
    amount: str
    currency: str
    reason: str
    status: str
    raised_at: dt.datetime
    decided_at: dt.datetime | None
    decision_reason: str
    charged_period: str


class ClaimList(ListOut):
    items: list[ClaimOut]


class ClaimFilters(PageQuery, ApiIn):
    status: str | None = None
    ticket: int | None = Field(None, ge=1, le=MAX_DB_INT)


class ClaimIn(ApiIn):
    ticket: int = Field(..., ge=1, le=MAX_DB_INT)
    kind: str = Field(..., max_length=8)
    amount: Decimal
    reason: Annotated[str, model_text(GuaranteeClaim, "reason", min_length=1)]


class ClaimDecisionIn(ApiIn):
    reason: Annotated[str, model_text(GuaranteeClaim, "decision_reason", min_length=1)]


def render_survey(survey: Survey) -> dict[str, Any]:
    return {
        "id": survey.pk,
        "ticket": {"id": survey.ticket_id, "number": survey.ticket.number},
        "score": survey.score,
        "comment": survey.comment,
        "via": survey.via,
        "answered_at": survey.answered_at,
    }


def render_followup(followup: FollowUp) -> dict[str, Any]:
    return {
        "id": followup.pk,
        "ticket": {"id": followup.ticket_id, "number": followup.ticket.number},
        "channel": followup.channel,
        "assignee": followup.assignee.get_username() if followup.assignee else None,
        "due_on": followup.due_on,
        "status": followup.status,
        "outcome": followup.outcome,
        "note": followup.note,
        "done_at": followup.done_at,
    }


def render_claim(claim: GuaranteeClaim) -> dict[str, Any]:
    return {
        "id": claim.pk,
        "ticket": {"id": claim.ticket_id, "number": claim.ticket.number},
        "contract": {"id": claim.contract_id, "number": claim.contract.number},
        "kind": claim.kind,
        "amount": str(claim.amount.normalize()),
        "currency": claim.currency,
        "reason": claim.reason,
        "status": claim.status,
        "raised_at": claim.raised_at,
        "decided_at": claim.decided_at,
        "decision_reason": claim.decision_reason,
        "charged_period": claim.charged_period,
    }


# ---------------------------------------------------------------- surveys


@router.get(
    "/surveys",
    response=reads(SurveyList, 422),
    operation_id="surveys_list",
    summary="List satisfaction surveys (tenancy-scoped)",
)
def list_surveys(request: HttpRequest, filters: Query[SurveyFilters]) -> dict[str, Any]:
    qs = surveys_for(request.user)
    if filters.ticket is not None:
        qs = qs.filter(ticket_id=filters.ticket)
    if filters.contract is not None:
        qs = qs.filter(contract_id=filters.contract)
    return rendered_page(qs, filters, render_survey)


@router.get(
    "/surveys/{survey_id}",
    response=reads(SurveyOut, 404, 422),
    operation_id="surveys_get",
    summary="A satisfaction survey",
)
def get_survey(request: HttpRequest, survey_id: Id) -> dict[str, Any]:
    return render_survey(get_or_404(surveys_for(request.user), survey_id))


@router.post(
    "/surveys",
    response=writes(SurveyOut, 404, 409, status=201),
    operation_id="surveys_create",
    summary="Answer a resolved ticket's survey (its customer's contact, or staff)",
)
@idempotent
def create_survey(request: HttpRequest, payload: SurveyIn) -> Status[Any]:
    ticket = reference(tickets_for(request.user), payload.ticket, "ticket")
    assert ticket is not None
    survey = services.answer_survey(
        ticket=ticket,
        score=payload.score,
        comment=payload.comment,
        via=SurveyVia.PORTAL,
        contact=caller_contact(request),
    )
    return Status(201, render_survey(survey))


# ---------------------------------------------------------------- follow-ups


@router.get(
    "/followups",
    response=reads(FollowUpList, 403, 422),
    operation_id="followups_list",
    summary="List follow-ups after resolution (staff)",
)
def list_followups(request: HttpRequest, filters: Query[FollowUpFilters]) -> dict[str, Any]:
    require_staff(request, "read follow-ups")
    qs = status_filter(followups_for(request.user), filters.status, FollowUpStatus.values)
    if filters.due_by is not None:
        qs = qs.filter(due_on__lte=filters.due_by)
    return rendered_page(qs, filters, render_followup)


@router.get(
    "/followups/{followup_id}",
    response=reads(FollowUpOut, 403, 404, 422),
    operation_id="followups_get",
    summary="A follow-up (staff)",
)
def get_followup(request: HttpRequest, followup_id: Id) -> dict[str, Any]:
    require_staff(request, "read follow-ups")
    return render_followup(get_or_404(followups_for(request.user), followup_id))


@router.post(
    "/followups/{followup_id}/outcome",
    response=writes(FollowUpOut, 404, 409),
    operation_id="followups_outcome",
    summary="Record a follow-up's outcome (staff)",
)
def followup_outcome(request: HttpRequest, followup_id: Id, payload: OutcomeIn) -> dict[str, Any]:
    require_staff(request, "record follow-ups")
    followup = get_or_404(followups_for(request.user), followup_id)
    services.record_followup_outcome(
        followup=followup, actor=actor_of(request), outcome=payload.outcome, note=payload.note
    )
    return render_followup(get_or_404(followups_for(request.user), followup_id))


# ---------------------------------------------------------------- guarantee claims


@router.get(
    "/guarantee-claims",
    response=reads(ClaimList, 422),
    operation_id="guarantee_claims_list",
    summary="List satisfaction-guarantee claims (tenancy-scoped)",
)
def list_claims(request: HttpRequest, filters: Query[ClaimFilters]) -> dict[str, Any]:
    qs = status_filter(claims_for(request.user), filters.status, ClaimStatus.values)
    if filters.ticket is not None:
        qs = qs.filter(ticket_id=filters.ticket)
    return rendered_page(qs, filters, render_claim)


@router.get(
    "/guarantee-claims/{claim_id}",
    response=reads(ClaimOut, 404, 422),
    operation_id="guarantee_claims_get",
    summary="A satisfaction-guarantee claim",
)
def get_claim(request: HttpRequest, claim_id: Id) -> dict[str, Any]:
    return render_claim(get_or_404(claims_for(request.user), claim_id))


@router.post(
    "/guarantee-claims",
    response=writes(ClaimOut, 404, status=201),
    operation_id="guarantee_claims_create",
    summary="Claim a refund or credit within the guarantee window of a resolved ticket",
)
@idempotent
def create_claim(request: HttpRequest, payload: ClaimIn) -> Status[Any]:
    ticket = reference(tickets_for(request.user), payload.ticket, "ticket")
    assert ticket is not None
    claim = services.raise_claim(
        ticket=ticket,
        actor=actor_of(request),
        kind=payload.kind,
        amount=payload.amount,
        reason=payload.reason,
    )
    return Status(201, render_claim(get_or_404(claims_for(request.user), claim.pk)))


@router.post(
    "/guarantee-claims/{claim_id}/approve",
    response=writes(ClaimOut, 404, 409),
    operation_id="guarantee_claims_approve",
    summary="Approve a claim: a negative line of the next period charge (manager, billing)",
)
def approve_claim(request: HttpRequest, claim_id: Id, payload: ClaimDecisionIn) -> dict[str, Any]:
    return _decide(request, claim_id, services.approve_claim, payload.reason)


@router.post(
    "/guarantee-claims/{claim_id}/decline",
    response=writes(ClaimOut, 404, 409),
    operation_id="guarantee_claims_decline",
    summary="Decline a claim with a reason (manager, billing)",
)
def decline_claim(request: HttpRequest, claim_id: Id, payload: ClaimDecisionIn) -> dict[str, Any]:
    return _decide(request, claim_id, services.decline_claim, payload.reason)


def _decide(
    request: HttpRequest, claim_id: int, decide: Callable[..., GuaranteeClaim], reason: str
) -> dict[str, Any]:
    """A manager's decision through ``decide`` (the service), the claim as it is now."""
    claim = get_or_404(claims_for(request.user), claim_id)
    decide(claim=claim, actor=actor_of(request), reason=reason)
    return render_claim(get_or_404(claims_for(request.user), claim_id))
