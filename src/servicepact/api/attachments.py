"""Files on tickets: ``POST /tickets/{id}/attachments`` (multipart), ``GET /tickets/{id}/attachments``,
``GET /attachments/{id}`` (the file itself, as a download).

Who may: anyone who may see the ticket may attach a file to it (a contact: to the ticket or to
one of its own replies; staff: to any comment, and a file on an internal note is internal).
A contact never reads an internal file: 404, like another customer's.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import File, Form, Router, Schema, Status
from ninja.files import UploadedFile

from servicepact.accounts.actors import actor_of
from servicepact.api.common import is_staff
from servicepact.core.api_schema import Id, idempotent, reads, writes
from servicepact.core.errors import DomainValidationError
from servicepact.tickets.attachments import (
    add_attachment,
    attachments_for,
    check_size,
    download_response,
    visible_attachment,
)
from servicepact.tickets.models import Attachment
from servicepact.tickets.selectors import get_ticket, visible_comments

router = Router(tags=["attachments"])


class AttachmentOut(Schema):
    id: int
    ticket: int
    comment: int | None
    name: str
    content_type: str
    size: int
    internal: bool
    created_at: datetime
    download: str


class AttachmentList(Schema):
    items: list[AttachmentOut]
    count: int


def render_attachment(row: Attachment) -> dict[str, Any]:
    return {
        "id": row.pk,
        "ticket": row.ticket_id,
        "comment": row.comment_id,
        "name": row.name,
        "content_type": row.content_type,
        "size": row.size,
        "internal": row.is_internal,
        "created_at": row.created_at,
        "download": reverse("api:get_attachment", args=[row.pk]),
    }


@router.post(
    "/tickets/{ticket_id}/attachments",
    response=writes(AttachmentOut, 404, status=201),
    operation_id="tickets_attach",
    summary="Attach a file to a ticket or to one of its comments",
)
@idempotent
def attach(
    request: HttpRequest,
    ticket_id: Id,
    file: File[UploadedFile],
    comment: Form[int | None] = None,
) -> Status[Any]:
    """Multipart form: ``file``, and optionally ``comment`` (an id). Over
    ``ATTACHMENT_MAX_BYTES`` (25 MB): 422 on ``file``."""
    ticket = get_ticket(request.user, ticket_id)
    target = None
    if comment is not None:
        comments = visible_comments(request.user, ticket)
        if not is_staff(request):
            comments = comments.filter(author=actor_of(request))
        target = comments.filter(pk=comment).first()
        if target is None:
            raise DomainValidationError({"comment": [_("no such comment of yours on this ticket")]})
    check_size(int(file.size or 0))
    row = add_attachment(
        ticket=ticket,
        name=file.name or "",
        content=file,
        content_type=file.content_type or "",
        comment=target,
        actor=actor_of(request),
    )
    return Status(201, render_attachment(row))


@router.get(
    "/tickets/{ticket_id}/attachments",
    response=reads(AttachmentList, 404, 422),
    operation_id="tickets_attachments",
    summary="List a ticket's files",
)
def list_attachments(request: HttpRequest, ticket_id: Id) -> dict[str, Any]:
    """Oldest first; contacts never see the files of internal notes."""
    ticket = get_ticket(request.user, ticket_id)
    items = [render_attachment(a) for a in attachments_for(request.user, ticket)]
    return {"items": items, "count": len(items)}


@router.get(
    "/attachments/{attachment_id}",
    response=reads(AttachmentOut, 404, 422),
    operation_id="attachments_get",
    summary="Download a file (as an attachment, never rendered)",
    openapi_extra={
        "responses": {
            200: {
                "description": "The file: Content-Disposition attachment, nosniff",
                "content": {
                    "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}
                },
            }
        }
    },
)
def get_attachment(request: HttpRequest, attachment_id: Id) -> Any:
    return download_response(visible_attachment(request.user, attachment_id))
