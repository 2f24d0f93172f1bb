"""``/api/v1/notifications``: the outbox, for staff (contacts get 403, anonymous callers 401).

Imported by ``api/root.py`` like every other router (it once lived in ``worker`` and was
mounted by a string path, which hid an import across the layer from import-linter).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError

from servicepact.accounts.auth import api_auth
from servicepact.core.api_schema import MAX_DB_INT, reads
from servicepact.core.pagination import ListOut, PageQuery, api_page
from servicepact.notifications.choices import Channel, Status
from servicepact.notifications.selectors import notifications

router = Router(tags=["notifications"], auth=api_auth())


class NotificationOut(Schema):
    id: int
    channel: str
    audience: str
    event: str
    recipient: str
    subject: str
    status: str
    attempts: int
    idempotency_key: str
    ticket_id: int | None
    contract_id: int | None
    not_before: datetime | None
    next_attempt_at: datetime | None
    last_error: str
    created_at: datetime
    sent_at: datetime | None


class NotificationPage(ListOut):
    items: list[NotificationOut]
    count: int


class NotificationFilters(PageQuery):
    status: Status | None = None
    channel: Channel | None = None
    ticket: int | None = Field(None, description="ticket id", ge=1, le=MAX_DB_INT)


@router.get(
    "",
    response=reads(NotificationPage, 403, 422),
    operation_id="notifications_list",
    summary="List outbox notifications (staff)",
)
def list_notifications(request: HttpRequest, filters: Query[NotificationFilters]) -> dict[str, Any]:
    if not request.user.is_staff:
        raise HttpError(403, _("only provider staff can list notifications"))
    rows = notifications(status=filters.status, channel=filters.channel, ticket_id=filters.ticket)
    return api_page(rows.defer("body", "payload"), filters)  # the list shows neither
