"""``/api/v1/webhooks``: webhook endpoints and their signing secrets, for staff.

Registered on the API root with ``api.add_router("/webhooks", ...)``. The list never shows a
secret; rotating answers the new one (the only time the API shows it).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Body, Field, Router, Schema

from servicepact.accounts.auth import api_auth
from servicepact.core.api_schema import ApiIn, Id, reads, writes
from servicepact.notifications.models import WebhookEndpoint
from servicepact.notifications.services import (
    MAX_ROLLOVER,
    end_webhook_rollover,
    rotate_webhook_secret,
)

router = Router(tags=["webhooks"], auth=api_auth())


class EndpointOut(Schema):
    id: int
    name: str
    url: str
    customer_id: int | None
    active: bool
    rollover_until: datetime | None = Field(
        None, description="the previous secret signs deliveries too until then"
    )

    @staticmethod
    def resolve_rollover_until(obj: WebhookEndpoint) -> datetime | None:
        return obj.previous_secret_expires_at if obj.previous_secret else None


class EndpointList(Schema):
    items: list[EndpointOut]
    count: int


class RotateIn(ApiIn):
    overlap_hours: int = Field(
        default=24,
        ge=0,
        le=MAX_ROLLOVER.days * 24,
        description="how long the old secret stays valid (0: switch at once)",
    )
    secret: str | None = Field(
        default=None, description="the new secret (whsec_ + base64 of 24-64 bytes); default: random"
    )


class RotatedOut(EndpointOut):
    secret: str = Field(description="the new signing secret: give it to the receiver")


def _staff(request: HttpRequest) -> None:
    if not request.user.is_staff:
        raise PermissionDenied(_("Only provider staff may manage webhook endpoints."))


def _endpoint(endpoint_id: int) -> WebhookEndpoint:
    found = WebhookEndpoint.objects.filter(pk=endpoint_id).first()
    if found is None:
        raise Http404(_("No webhook endpoint %(endpoint_id)s") % {"endpoint_id": endpoint_id})
    return found


@router.get(
    "",
    response=reads(EndpointList, 403),
    operation_id="webhooks_list",
    summary="List webhook endpoints (staff)",
)
def list_webhook_endpoints(request: HttpRequest) -> dict[str, Any]:
    _staff(request)
    rows = list(WebhookEndpoint.objects.order_by("name", "pk"))
    return {"items": rows, "count": len(rows)}


@router.post(
    "/{endpoint_id}/rotate-secret",
    response=writes(RotatedOut, 404),
    operation_id="webhooks_rotate_secret",
    summary="Give a webhook endpoint a new signing secret (staff)",
)
def rotate_endpoint_secret(
    request: HttpRequest, endpoint_id: Id, payload: Body[RotateIn | None] = None
) -> WebhookEndpoint:
    _staff(request)
    payload = payload or RotateIn()
    return rotate_webhook_secret(
        endpoint=_endpoint(endpoint_id),
        overlap=timedelta(hours=payload.overlap_hours),
        secret=payload.secret,
    )


@router.post(
    "/{endpoint_id}/end-rollover",
    response=writes(EndpointOut, 404),
    operation_id="webhooks_end_rollover",
    summary="Stop signing with a webhook endpoint's previous secret (staff)",
)
def end_endpoint_rollover(request: HttpRequest, endpoint_id: Id) -> WebhookEndpoint:
    _staff(request)
    return end_webhook_rollover(endpoint=_endpoint(endpoint_id))
