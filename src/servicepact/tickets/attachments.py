"""Files on tickets and comments: the one way to add them and the one rule for who may read them.

- ``add_attachment`` stores the file through Django's storage API (``STORAGES["default"]``: the
  file system unless configured otherwise, docs/deployment.md) under an unguessable path. Over
  ``ATTACHMENT_MAX_BYTES`` (default 25 MB) it is a field error on ``file``, nothing stored.
- ``visible_attachment`` answers 404 for a file the user may not see: another customer's, or
  one on an internal note for a contact.
- ``download_response`` serves it as a download (``Content-Disposition: attachment``,
  ``X-Content-Type-Options: nosniff``); types a browser would render as a page are sent as
  ``application/octet-stream``.
"""

from __future__ import annotations

import mimetypes
from collections.abc import Sequence
from datetime import datetime
from typing import Any, Protocol, TypeVar

from django.core.exceptions import SuspiciousFileOperation
from django.core.files.base import ContentFile, File
from django.db import transaction
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _

from servicepact.accounts.actors import Actor
from servicepact.core.config import option
from servicepact.core.errors import DomainValidationError
from servicepact.core.time import now as current_time
from servicepact.customers.selectors import is_staff
from servicepact.tickets.models import Attachment, Comment, Ticket
from servicepact.tickets.selectors import tickets_for
from servicepact.tickets.services import add_comment

DEFAULT_MAX_BYTES = 25 * 1024 * 1024
NAME_MAX = 200
# Served as downloads of opaque bytes: a browser must never treat them as a page or a script.
ACTIVE_TYPES = frozenset(
    {
        "text/html",
        "application/xhtml+xml",
        "image/svg+xml",
        "text/xml",
        "application/xml",
        "text/javascript",
        "application/javascript",
    }
)


def max_bytes() -> int:
    return int(option("ATTACHMENT_MAX_BYTES", DEFAULT_MAX_BYTES))


def human_size(size: int) -> str:
    value = float(size)
    for unit in ("bytes", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1024
    return str(size)


def check_size(size: int, field: str = "file") -> None:
    """A field error when ``size`` is over the limit (callers check before reading big bodies)."""
    limit = max_bytes()
    if size > limit:
        raise DomainValidationError(
            {
                field: [
                    _("is %(size)s; files may be at most %(limit)s")
                    % {"size": human_size(size), "limit": human_size(limit)}
                ]
            }
        )


def safe_name(name: str) -> str:
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1].strip()
    try:
        cleaned = get_valid_filename(base) if base else ""
    except SuspiciousFileOperation:  # nothing usable left ("?", "..")
        cleaned = ""
    if not cleaned or set(cleaned) == {"."}:
        cleaned = "attachment"
    stem, dot, ext = cleaned.rpartition(".")
    if len(cleaned) > NAME_MAX:
        cleaned = (stem[: NAME_MAX - len(ext) - 1] + dot + ext) if dot else cleaned[:NAME_MAX]
    return cleaned


class FileRow(Protocol):
    """A model row with a ``file`` field (attachments, drill evidence, inspection photos)."""

    @property
    def file(self) -> FieldFile: ...
    def save(self, *args: Any, **kwargs: Any) -> None: ...


R = TypeVar("R", bound=FileRow)


def content_size(content: bytes | File[bytes]) -> int:
    return len(content) if isinstance(content, bytes) else int(content.size or 0)


def store_file(row: R, *, filename: str, content: bytes | File[bytes]) -> R:
    """Writes the file through the storage, then saves the row (check the size first)."""
    # The file is written first, then the row; a row that fails to save takes its file with it.
    # (A caller's transaction that rolls back later leaves an orphan file, never a dangling row.)
    row.file.save(
        filename, ContentFile(content) if isinstance(content, bytes) else content, save=False
    )
    stored = row.file.name
    assert stored is not None  # FieldFile.save() has just set the name it stored under
    try:
        row.save()
    except Exception:
        row.file.storage.delete(stored)
        raise
    return row


@transaction.atomic
def add_attachment(
    *,
    ticket: Ticket,
    name: str,
    content: bytes | File[bytes],
    content_type: str = "",
    comment: Comment | None = None,
    actor: Actor = None,
    at: datetime | None = None,
) -> Attachment:
    """Stores one file (bytes, or an uploaded ``File`` streamed to storage) on the ticket or on
    one of its comments."""
    size = content_size(content)
    check_size(size)
    if comment is not None and comment.ticket_id != ticket.pk:
        raise DomainValidationError({"comment": [_("belongs to another ticket")]})
    filename = safe_name(name)
    guessed = mimetypes.guess_type(filename)[0]
    kind = (content_type or guessed or "application/octet-stream").split(";")[0].strip().lower()
    row = Attachment(
        ticket=ticket,
        comment=comment,
        name=filename,
        content_type=kind[:150] or "application/octet-stream",
        size=size,
        is_internal=bool(comment and comment.is_internal),
        uploaded_by=actor if getattr(actor, "pk", None) else None,
        created_at=at or current_time(),
    )
    return store_file(row, filename=filename, content=content)


def attachments_for(user: Any, ticket: Ticket) -> list[Attachment]:
    """The ticket's files this user may see (contacts: none of an internal note's)."""
    rows = ticket.attachments.order_by("created_at", "id")
    if not is_staff(user):
        rows = rows.filter(is_internal=False)
    return list(rows)


def ticket_files(user: Any, ticket: Ticket) -> list[Attachment]:
    """The files on the ticket itself (not on a comment) this user may see."""
    return [a for a in attachments_for(user, ticket) if a.comment_id is None]


def visible_attachment(user: Any, pk: int) -> Attachment:
    """The attachment if the user may download it, else 404 (never 403)."""
    row = Attachment.objects.select_related("ticket").filter(pk=pk).first()
    if row is None or not tickets_for(user).filter(pk=row.ticket_id).exists():
        raise Http404("No such attachment")
    if row.is_internal and not is_staff(user):
        raise Http404("No such attachment")
    return row


class StoredFile(Protocol):
    """What a download needs of a stored file row (ticket attachments, drill evidence, handover documents)."""

    @property
    def name(self) -> str: ...
    @property
    def content_type(self) -> str: ...
    @property
    def file(self) -> FieldFile: ...


def download_response(row: StoredFile) -> FileResponse:
    kind = row.content_type
    if kind in ACTIVE_TYPES or kind.startswith("multipart/"):
        kind = "application/octet-stream"
    response = FileResponse(
        row.file.open("rb"), as_attachment=True, filename=row.name, content_type=kind
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@transaction.atomic
def add_comment_with_files(
    *,
    ticket: Ticket,
    author: Actor,
    body: str,
    files: Sequence[File[bytes]],
    internal: bool = False,
) -> Comment:
    """A comment and its files, all or nothing (the desk's and the portal's comment forms)."""
    for upload in files:
        check_size(int(upload.size or 0))
    comment = add_comment(ticket=ticket, author=author, body=body, internal=internal)
    for upload in files:
        add_attachment(
            ticket=ticket,
            name=upload.name or "",
            content=upload,
            content_type=getattr(upload, "content_type", "") or "",
            comment=comment,
            actor=author,
        )
    return comment
