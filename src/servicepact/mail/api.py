"""``POST /api/v1/mail/inbound``: a provider pushes one raw RFC 822 message (mailbox token).

The body is the message itself (``Content-Type: message/rfc822``), up to ``MAIL_MAX_BODY``
bytes (default 40 MiB: a 25 MB attachment grows by a third in base64), else a JSON 413. The
answer says what became of it: ``{"ticket": id|null, "comment": id|null, "ignored": reason|null}``
(``mail.services.receive_message``; a message received twice answers the first outcome with
``ignored: "duplicate: …"``).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, JsonResponse
from ninja import Router, Schema
from ninja.security import HttpBearer

from servicepact.core.api_schema import writes
from servicepact.core.config import option
from servicepact.core.limits import BodyTooLarge, declared_length, read_body, too_large
from servicepact.mail.services import authenticate_mailbox, receive_message

router = Router(tags=["mail"])

DEFAULT_MAX_BODY = 40 * 1024 * 1024
ACCEPTED_TYPES = ("message/rfc822", "application/octet-stream")


class MailboxTokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        return authenticate_mailbox(token)


class InboundOut(Schema):
    ticket: int | None
    comment: int | None
    ignored: str | None


@router.post(
    "/mail/inbound",
    auth=MailboxTokenAuth(),
    response=writes(InboundOut, 415),
    operation_id="mail_inbound",
    summary="Receive one raw e-mail message (mailbox token)",
)
def inbound(request: HttpRequest) -> Any:
    """One raw message as the body. A ticket opened or a reply added says its id; an
    auto-reply, bounce, loop, unknown sender (kept for triage), unreadable message (kept with
    the reason) or duplicate says why under ``ignored``."""
    if not declared_length(request):
        return JsonResponse({"detail": "the body is empty: send the raw message"}, status=400)
    if request.content_type not in ACCEPTED_TYPES:
        return JsonResponse(
            {"detail": "send the raw message with Content-Type: message/rfc822"}, status=415
        )
    try:
        raw = read_body(request, limit=int(option("MAIL_MAX_BODY", DEFAULT_MAX_BODY)))
    except BodyTooLarge as exc:
        return too_large(exc.limit)
    if not raw.strip():
        return JsonResponse({"detail": "the body is empty: send the raw message"}, status=400)
    return receive_message(raw=raw, mailbox=request.auth).as_dict()  # type: ignore[attr-defined]
