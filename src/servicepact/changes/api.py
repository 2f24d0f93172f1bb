"""Changes API, mounted at /api/v1/changes: list, read, request, approve, reject, complete.

Tenancy: a contact sees its own customer's changes; another customer's change is a 404.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Any

from django.http import HttpRequest, JsonResponse
from ninja import Query, Router, Schema, Status

from servicepact.accounts.actors import actor_of
from servicepact.accounts.auth import api_auth
from servicepact.assets.models import Asset
from servicepact.changes import services
from servicepact.changes.models import Change
from servicepact.changes.selectors import changes_for, get_change
from servicepact.core.api_schema import (
    ApiIn,
    BodyId,
    Id,
    Text,
    idempotent,
    model_text,
    reads,
    writes,
)
from servicepact.core.errors import field_errors
from servicepact.core.pagination import ListOut, PageQuery, api_page
from servicepact.customers.selectors import is_staff

router = Router(tags=["changes"], auth=api_auth())


class ChangeOut(Schema):
    id: int
    number: str
    customer: int
    title: str
    description: str
    assets: list[int]
    planned_start: datetime
    planned_end: datetime
    status: str
    approved_by: str | None
    approved_at: datetime | None
    rejected_at: datetime | None
    rejection_reason: str
    completed_at: datetime | None


class ChangeList(ListOut):
    items: list[ChangeOut]
    count: int


Title = Annotated[str, model_text(Change, "title")]
Description = Annotated[str, model_text(Change, "description")]
RejectionReason = Annotated[str, model_text(Change, "rejection_reason")]


class ChangeIn(ApiIn):
    title: Title
    description: Description = ""
    assets: list[BodyId]
    planned_start: datetime
    planned_end: datetime


class RejectIn(ApiIn):
    reason: RejectionReason = ""


def error(status: int, detail: Any, errors: dict[str, list[str]] | None = None) -> JsonResponse:
    """``{"detail": ...}``; with field errors, the API's one 422 shape (core.errors.field_errors)."""
    body: dict[str, Any] = {"detail": field_errors(errors) if errors is not None else detail}
    return JsonResponse(body, status=status)


def change_out(change: Change) -> dict[str, Any]:
    return {
        "id": change.pk,
        "number": change.number,
        "customer": change.customer_id,
        "title": change.title,
        "description": change.description,
        "assets": sorted(a.pk for a in change.assets.all()),
        "planned_start": change.planned_start,
        "planned_end": change.planned_end,
        "status": change.status,
        "approved_by": change.approved_by.get_username() if change.approved_by else None,
        "approved_at": change.approved_at,
        "rejected_at": change.rejected_at,
        "rejection_reason": change.rejection_reason,
        "completed_at": change.completed_at,
    }


@router.get(
    "", response=reads(ChangeList, 422), operation_id="changes_list", summary="List changes"
)
def list_changes(
    request: HttpRequest, paging: Query[PageQuery], status: Text = ""
) -> dict[str, Any]:
    qs = changes_for(request.user)
    if status:
        qs = qs.filter(status__in=status.split(","))
    result = api_page(qs, paging)
    result["items"] = [change_out(c) for c in result["items"]]
    return result


@router.post(
    "",
    response=writes(ChangeOut, status=201),
    operation_id="changes_create",
    summary="Request a change",
)
@idempotent
def create_change(request: HttpRequest, payload: ChangeIn) -> Any:
    """Staff request a change; the assets must all belong to one customer."""
    if not is_staff(request.user):
        return error(403, "only provider staff request changes through the API")
    assets = list(Asset.objects.filter(pk__in=payload.assets).select_related("customer"))
    missing = sorted(set(payload.assets) - {a.pk for a in assets})
    if missing or not assets:
        return error(422, "unknown assets", {"assets": [f"no such asset: {missing}"]})
    change = services.request_change(
        customer=assets[0].customer,
        title=payload.title,
        description=payload.description,
        assets=assets,
        planned_start=payload.planned_start,
        planned_end=payload.planned_end,
        actor=actor_of(request),
    )
    return Status(201, change_out(change))


@router.get(
    "/{change_id}",
    response=reads(ChangeOut, 404, 422),
    operation_id="changes_get",
    summary="Get a change",
)
def read_change(request: HttpRequest, change_id: Id) -> Any:
    return change_out(get_change(request.user, change_id))


def _decide(request: HttpRequest, change_id: int, action: str, **kwargs: Any) -> Any:
    # Refusals (403, 409, 422) are answered by the API's exception handlers (api/errors.py).
    change = get_change(request.user, change_id)
    service = getattr(services, f"{action}_change")
    change = service(change=change, actor=actor_of(request), **kwargs)
    return change_out(get_change(request.user, change.pk))


@router.post(
    "/{change_id}/approve",
    response=writes(ChangeOut, 404, 409),
    operation_id="changes_approve",
    summary="Approve a change (customer contact)",
)
def approve(request: HttpRequest, change_id: Id) -> Any:
    """A contact of the change's customer approves; its window becomes planned downtime."""
    return _decide(request, change_id, "approve")


@router.post(
    "/{change_id}/reject",
    response=writes(ChangeOut, 404, 409),
    operation_id="changes_reject",
    summary="Reject a change (customer contact)",
    openapi_extra={
        "requestBody": {
            "required": False,
            "content": {"application/json": {"schema": RejectIn.model_json_schema()}},
        }
    },
)
def reject(request: HttpRequest, change_id: Id) -> Any:
    """Body optional: JSON {"reason": "..."} or a form field ``reason``."""
    reason: Any = request.POST.get("reason", "")
    if request.content_type == "application/json":
        try:
            body = json.loads(request.body) if request.body.strip() else {}
            reason = body.get("reason", "") if isinstance(body, dict) else None
        except ValueError:
            reason = None
    if not isinstance(reason, str):
        return error(422, 'body: expected {"reason": "..."}', {"reason": ["expected a string"]})
    return _decide(request, change_id, "reject", reason=reason)


@router.post(
    "/{change_id}/complete",
    response=writes(ChangeOut, 404, 409),
    operation_id="changes_complete",
    summary="Complete a change",
)
def complete(request: HttpRequest, change_id: Id) -> Any:
    return _decide(request, change_id, "complete")
