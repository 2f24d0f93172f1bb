"""Outages: what monitoring recorded and what staff recorded because monitoring missed it.

GET  /outages   tenancy-scoped list (staff: all; a contact: its customer's assets)
POST /outages   staff only (403): a manual outage through monitoring.services.record_outage
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status
from pydantic import AwareDatetime

from servicepact.accounts.actors import actor_of
from servicepact.api.common import (
    ListOut,
    PageQuery,
    UserRef,
    reference,
    rendered_page,
    require_staff,
    user_ref,
)
from servicepact.assets.selectors import assets_for
from servicepact.core.api_schema import MAX_DB_INT, ApiIn, idempotent, reads, writes
from servicepact.monitoring.models import Outage
from servicepact.monitoring.selectors import outages_visible
from servicepact.monitoring.services import record_outage
from servicepact.tickets.selectors import tickets_for

router = Router(tags=["outages"])


class OutageIn(ApiIn):
    asset: int
    started_at: AwareDatetime
    ended_at: AwareDatetime | None = None
    reason: str
    planned: bool = False
    ticket: int | None = Field(None, ge=1, le=MAX_DB_INT)


class AssetRef(Schema):
    id: int
    hostname: str


class OutageOut(Schema):
    id: int
    asset: AssetRef
    started_at: datetime
    ended_at: datetime | None
    planned: bool
    origin: str
    cause: str
    reason: str
    alert: int | None
    ticket: int | None
    recorded_by: UserRef | None
    created_at: datetime


class OutageList(ListOut):
    items: list[OutageOut]


class OutageFilters(PageQuery, ApiIn):
    asset: int | None = Field(None, ge=1, le=MAX_DB_INT)
    customer: int | None = Field(None, ge=1, le=MAX_DB_INT)
    started_after: AwareDatetime | None = None
    started_before: AwareDatetime | None = None
    planned: bool | None = None


def render_outage(outage: Outage) -> dict[str, Any]:
    return {
        "id": outage.pk,
        "asset": {"id": outage.asset_id, "hostname": outage.asset.hostname},
        "started_at": outage.started_at,
        "ended_at": outage.ended_at,
        "planned": outage.planned,
        "origin": outage.origin,
        "cause": outage.cause,
        "reason": outage.reason_text,
        "alert": outage.alert_id,
        "ticket": outage.ticket_id,
        "recorded_by": user_ref(outage.recorded_by),
        "created_at": outage.created_at,
    }


@router.get(
    "/outages",
    response=reads(OutageList, 422),
    operation_id="outages_list",
    summary="List outages (tenancy-scoped)",
)
def list_outages(request: HttpRequest, filters: Query[OutageFilters]) -> dict[str, Any]:
    """Newest first; flapping pieces merged into another outage are left out."""
    qs = outages_visible(request.user)
    if filters.asset is not None:
        qs = qs.filter(asset_id=filters.asset)
    if filters.customer is not None:
        qs = qs.filter(asset__customer_id=filters.customer)
    if filters.started_after is not None:
        qs = qs.filter(started_at__gte=filters.started_after)
    if filters.started_before is not None:
        qs = qs.filter(started_at__lt=filters.started_before)
    if filters.planned is not None:
        qs = qs.filter(planned=filters.planned)
    return rendered_page(qs, filters, render_outage)


@router.post(
    "/outages",
    response=writes(OutageOut, 404, status=201),
    operation_id="outages_create",
    summary="Record an outage monitoring missed (staff)",
)
@idempotent
def create_outage(request: HttpRequest, payload: OutageIn) -> Status[Any]:
    """Downtime monitoring missed (``planned``: announced, not counted against availability).
    The end must not be before the start; neither may lie in the future."""
    require_staff(request, "record outages")
    asset = reference(assets_for(request.user), payload.asset, "asset")
    ticket = reference(tickets_for(request.user), payload.ticket, "ticket")
    assert asset is not None
    outage = record_outage(
        asset=asset,
        started_at=payload.started_at,
        ended_at=payload.ended_at,
        reason=payload.reason,
        planned=payload.planned,
        ticket=ticket,
        actor=actor_of(request),
    )
    return Status(201, render_outage(outages_visible(request.user).get(pk=outage.pk)))
