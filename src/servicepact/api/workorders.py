"""Work orders: engineers' visits for tickets (docs/field-service.md).

GET  /workorders                      list (filters ticket, engineer, status, date), tenancy-scoped
GET  /workorders/{id}                 one work order (404 outside the caller's tenancy)
POST /workorders                      staff: plan a visit (the ticket's first one is its dispatch)
POST /workorders/{id}/travel          staff: the engineer sets off
POST /workorders/{id}/arrive          staff: on site (the ticket's first arrival stops its clock)
POST /workorders/{id}/depart          staff: the visit is done (on-site time logged as work)
POST /workorders/{id}/cancel          staff: the visit will not happen (reason required)
POST /workorders/{id}/work-done       staff: what was done
POST /workorders/{id}/signature       staff: the customer's signature (name, instant, PNG)

Order of checks: 404 outside the caller's tenancy, 403 for a contact, then the service: 422
for bad input naming the field, 409 when ``fieldservice.transitions`` forbids the action.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from datetime import date as Day
from datetime import datetime
from typing import Annotated, Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from pydantic import AwareDatetime

from servicepact.accounts.actors import actor_of
from servicepact.api.common import ListOut, PageQuery, is_staff, reference, rendered_page
from servicepact.api.common import require_staff as staff_only
from servicepact.core.api_schema import (
    MAX_DB_INT,
    ApiIn,
    BodyId,
    Id,
    idempotent,
    model_text,
    reads,
    writes,
)
from servicepact.core.errors import DomainValidationError
from servicepact.fieldservice import services
from servicepact.fieldservice.choices import (
    REASON_MAX,
    SIGNATURE_MAX_BYTES,
    WORK_DONE_MAX,
    WorkOrderStatus,
)
from servicepact.fieldservice.models import Engineer, WorkOrder
from servicepact.fieldservice.selectors import get_work_order, on_day, work_orders_for
from servicepact.fieldservice.transitions import actions_for
from servicepact.tickets.selectors import tickets_for

router = Router(tags=["work orders"])


class WorkOrderTicketRef(Schema):
    id: int
    number: str


class WorkOrderEngineerRef(Schema):
    id: int
    name: str
    home_depot: str


class WorkOrderSignature(Schema):
    signer_name: str
    signed_at: datetime
    has_image: bool


class WorkOrderOut(Schema):
    id: int
    ticket: WorkOrderTicketRef
    engineer: WorkOrderEngineerRef
    status: str
    planned_arrival_at: datetime
    dispatched_at: datetime
    travel_started_at: datetime | None
    arrived_at: datetime | None
    departed_at: datetime | None
    on_site_minutes: int | None
    cancelled_at: datetime | None
    cancel_reason: str
    work_done: str
    signature: WorkOrderSignature | None
    work_log: int | None
    actions: list[str]


class WorkOrderList(ListOut):
    items: list[WorkOrderOut]


class WorkOrderFilters(PageQuery, ApiIn):
    ticket: int | None = Field(None, ge=1, le=MAX_DB_INT)
    engineer: int | None = Field(None, ge=1, le=MAX_DB_INT)
    status: WorkOrderStatus | None = None
    date: Day | None = Field(None, description="planned on this day in the engineer's zone")


class WorkOrderIn(ApiIn):
    ticket: BodyId
    engineer: BodyId
    planned_arrival_at: AwareDatetime
    dispatched_at: AwareDatetime | None = None


class WorkOrderAtIn(ApiIn):
    at: AwareDatetime | None = None


class DepartIn(WorkOrderAtIn):
    work_done: Annotated[str, Field(max_length=WORK_DONE_MAX)] | None = None
    log_time: bool = True


class CancelVisitIn(ApiIn):
    reason: Annotated[str, Field(max_length=REASON_MAX)]


class WorkDoneIn(ApiIn):
    work_done: Annotated[str, Field(max_length=WORK_DONE_MAX)]


class SignatureIn(ApiIn):
    signer_name: Annotated[str, model_text(WorkOrder, "signer_name")]
    signed_at: AwareDatetime | None = None
    signature_png: str | None = Field(
        None,
        max_length=SIGNATURE_MAX_BYTES * 4 // 3 + 4,
        description="the drawn signature: a PNG, base64-encoded",
    )


def render_work_order(order: WorkOrder, *, staff: bool) -> dict[str, Any]:
    signature = None
    if order.signed_at is not None:
        signature = {
            "signer_name": order.signer_name,
            "signed_at": order.signed_at,
            "has_image": bool(order.signature_image),
        }
    return {
        "id": order.pk,
        "ticket": {"id": order.ticket_id, "number": order.ticket.number},
        "engineer": {
            "id": order.engineer_id,
            "name": order.engineer.name,
            "home_depot": order.engineer.home_depot.name,
        },
        "status": order.status,
        "planned_arrival_at": order.planned_arrival_at,
        "dispatched_at": order.dispatched_at,
        "travel_started_at": order.travel_started_at,
        "arrived_at": order.arrived_at,
        "departed_at": order.departed_at,
        "on_site_minutes": order.on_site_minutes,
        "cancelled_at": order.cancelled_at,
        "cancel_reason": order.cancel_reason if staff else "",
        "work_done": order.work_done,
        "signature": signature,
        "work_log": order.work_log_id if staff else None,
        "actions": actions_for(order.status) if staff else [],
    }


@router.get(
    "/workorders",
    response=reads(WorkOrderList, 422),
    operation_id="workorders_list",
    summary="List work orders (tenancy-scoped)",
)
def list_work_orders(request: HttpRequest, filters: Query[WorkOrderFilters]) -> dict[str, Any]:
    """By planned arrival. A contact sees the work orders of its customer's tickets only;
    ``date`` is the planned arrival's day in the engineer's own time zone."""
    qs = work_orders_for(request.user)
    if filters.ticket is not None:
        qs = qs.filter(ticket_id=filters.ticket)
    if filters.engineer is not None:
        qs = qs.filter(engineer_id=filters.engineer)
    if filters.status is not None:
        qs = qs.filter(status=filters.status)
    if filters.date is not None:
        qs = qs.filter(on_day(filters.date))
    staff = is_staff(request)
    return rendered_page(
        qs.order_by("planned_arrival_at", "pk"),
        filters,
        lambda o: render_work_order(o, staff=staff),
    )


@router.get(
    "/workorders/{work_order_id}",
    response=reads(WorkOrderOut, 404, 422),
    operation_id="workorders_get",
    summary="Get one work order",
)
def get_one(request: HttpRequest, work_order_id: Id) -> dict[str, Any]:
    order = get_work_order(request.user, work_order_id)
    return render_work_order(order, staff=is_staff(request))


@router.post(
    "/workorders",
    response=writes(WorkOrderOut, 404, 409, status=201),
    operation_id="workorders_create",
    summary="Plan a visit (staff)",
)
@idempotent
def create(request: HttpRequest, payload: WorkOrderIn) -> Status[Any]:
    """The ticket's first work order records its dispatch (stops the dispatch clock at
    ``dispatched_at``, default now); 409 when the ticket is no longer open."""
    staff_only(request, "dispatch engineers")
    ticket = reference(tickets_for(request.user), payload.ticket, "ticket")
    engineer = reference(
        Engineer.objects.select_related("user", "home_depot"), payload.engineer, "engineer"
    )
    assert ticket is not None and engineer is not None
    order = services.create_work_order(
        ticket=ticket,
        engineer=engineer,
        planned_arrival_at=payload.planned_arrival_at,
        dispatched_at=payload.dispatched_at,
        actor=actor_of(request),
    )
    return Status(201, render_work_order(get_work_order(request.user, order.pk), staff=True))


def act(
    request: HttpRequest, work_order_id: int, call: Callable[[WorkOrder], Any], what: str
) -> dict[str, Any]:
    """The one handler pattern of a work order action: 404, 403, then the service."""
    order = get_work_order(request.user, work_order_id)
    staff_only(request, what)
    call(order)
    return render_work_order(get_work_order(request.user, work_order_id), staff=True)


@router.post(
    "/workorders/{work_order_id}/travel",
    response=writes(WorkOrderOut, 404, 409),
    operation_id="workorders_travel",
    summary="The engineer sets off (planned -> travelling)",
)
def travel(request: HttpRequest, work_order_id: Id, payload: WorkOrderAtIn) -> Any:
    return act(
        request,
        work_order_id,
        lambda o: services.start_travel(work_order=o, actor=actor_of(request), at=payload.at),
        "record travel",
    )


@router.post(
    "/workorders/{work_order_id}/arrive",
    response=writes(WorkOrderOut, 404, 409),
    operation_id="workorders_arrive",
    summary="The engineer is on site",
)
def arrive(request: HttpRequest, work_order_id: Id, payload: WorkOrderAtIn) -> Any:
    """Planned or travelling -> on site at ``at`` (default now; may be earlier). The
    ticket's first arrival stops its on-site clock at exactly that instant."""
    return act(
        request,
        work_order_id,
        lambda o: services.record_arrival(work_order=o, actor=actor_of(request), at=payload.at),
        "record arrivals",
    )


@router.post(
    "/workorders/{work_order_id}/depart",
    response=writes(WorkOrderOut, 404, 409),
    operation_id="workorders_depart",
    summary="The engineer leaves (on site -> done)",
)
def depart(request: HttpRequest, work_order_id: Id, payload: DepartIn) -> Any:
    """With ``log_time`` (default) the on-site minutes become an on-site work log."""
    return act(
        request,
        work_order_id,
        lambda o: services.record_departure(
            work_order=o,
            actor=actor_of(request),
            at=payload.at,
            work_done=payload.work_done,
            log_time=payload.log_time,
        ),
        "record departures",
    )


@router.post(
    "/workorders/{work_order_id}/cancel",
    response=writes(WorkOrderOut, 404, 409),
    operation_id="workorders_cancel",
    summary="Cancel a visit before arrival",
)
def cancel(request: HttpRequest, work_order_id: Id, payload: CancelVisitIn) -> Any:
    return act(
        request,
        work_order_id,
        lambda o: services.cancel_work_order(
            work_order=o, actor=actor_of(request), reason=payload.reason
        ),
        "cancel visits",
    )


@router.post(
    "/workorders/{work_order_id}/work-done",
    response=writes(WorkOrderOut, 404, 409),
    operation_id="workorders_work_done",
    summary="Record the work done",
)
def work_done(request: HttpRequest, work_order_id: Id, payload: WorkDoneIn) -> Any:
    return act(
        request,
        work_order_id,
        lambda o: services.record_work_done(
            work_order=o, actor=actor_of(request), work_done=payload.work_done
        ),
        "record work",
    )


def _png(encoded: str | None) -> bytes | None:
    if encoded is None:
        return None
    try:
        return base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise DomainValidationError({"signature_png": [_("is not base64")]}) from exc


@router.post(
    "/workorders/{work_order_id}/signature",
    response=writes(WorkOrderOut, 404, 409),
    operation_id="workorders_sign",
    summary="Record the customer's signature",
)
def sign(request: HttpRequest, work_order_id: Id, payload: SignatureIn) -> Any:
    """Who signed (required) and when (default now); optionally the drawn signature as a
    base64 PNG. Once per work order (409 after)."""
    return act(
        request,
        work_order_id,
        lambda o: services.sign_work_order(
            work_order=o,
            actor=actor_of(request),
            signer_name=payload.signer_name,
            signed_at=payload.signed_at,
            image=_png(payload.signature_png),
        ),
        "record signatures",
    )
