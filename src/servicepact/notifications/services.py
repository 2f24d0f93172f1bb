"""Writes to the outbox: enqueue (idempotent), mark read, retry dead letters; webhook secrets.

Callers enqueue inside their own transaction: the row commits with the domain event or not at
all, and the unique idempotency key makes a re-run a no-op.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from servicepact.core.errors import DomainValidationError
from servicepact.core.time import now as current_time
from servicepact.notifications.choices import Audience, Channel, Status
from servicepact.notifications.language import language_for
from servicepact.notifications.models import Notification, WebhookEndpoint
from servicepact.notifications.signing import new_secret, secret_problem

KEY_MAX = 255


@dataclass(frozen=True)
class Message:
    """What is said, independent of who receives it and how."""

    event: str
    subject: str
    body: str
    payload: dict[str, Any] = field(default_factory=dict)
    ticket_id: int | None = None
    contract_id: int | None = None


def idempotency_key(*parts: object) -> str:
    """Joins parts with ':'; a key longer than the column is replaced by its SHA-256."""
    key = ":".join(str(p) for p in parts)
    if len(key) > KEY_MAX:
        key = "sha256:" + hashlib.sha256(key.encode()).hexdigest()
    return key


def enqueue(
    *,
    key: str,
    channel: str,
    recipient: str,
    message: Message,
    audience: str = Audience.STAFF,
    user: Any = None,
    endpoint: WebhookEndpoint | None = None,
    not_before: datetime | None = None,
    now: datetime | None = None,
    language: str | None = None,
) -> Notification:
    """Adds one outbox row, or returns the existing row with the same idempotency key.

    ``language``: the recipient's (``language_for``), which the caller built ``message`` in;
    the e-mail around it is rendered in it too. Empty: ``settings.LANGUAGE_CODE``."""
    moment = now or current_time()
    # A row held back by the calendar becomes due when the calendar opens.
    due = max(moment, not_before) if not_before else moment
    values = {
        "channel": channel,
        "recipient": recipient[:500],
        "audience": audience,
        "event": message.event,
        "user": user,
        "endpoint": endpoint,
        "subject": message.subject[:200],
        "body": message.body,
        "payload": message.payload,
        "ticket_id": message.ticket_id,
        "contract_id": message.contract_id,
        "not_before": not_before if not_before and not_before > moment else None,
        "next_attempt_at": due,
        "created_at": moment,
        "status": Status.PENDING,
        "language": language or "",
    }
    batch = _batch.get()
    if batch is not None:
        return batch.add(idempotency_key(key), values)
    # get_or_create inserts in a savepoint: a concurrent insert of the same key waits for the
    # other transaction, then finds its row instead of failing the caller's transaction.
    row, _ = Notification.objects.get_or_create(
        idempotency_key=idempotency_key(key), defaults=values
    )
    return row


class OutboxBatch:
    """The rows enqueued inside ``outbox_batch()``, written with one INSERT when it ends.

    A key enqueued twice keeps its first row (as ``get_or_create`` would); a key already in
    the table is skipped by the INSERT (``ON CONFLICT DO NOTHING`` / ``INSERT OR IGNORE``),
    also when another transaction inserts it meanwhile. Rows returned by ``enqueue`` in a
    batch are not saved yet (no ``pk``)."""

    def __init__(self) -> None:
        self.rows: dict[str, Notification] = {}
        self.endpoints: dict[int | None, list[WebhookEndpoint]] = {}

    def add(self, key: str, values: dict[str, Any]) -> Notification:
        if key not in self.rows:
            self.rows[key] = Notification(idempotency_key=key, **values)
        return self.rows[key]

    def has_staff_row(self, prefix: str) -> bool:
        """A pending in-app or e-mail row to staff whose key starts with ``prefix``."""
        return any(
            key.startswith(prefix)
            and row.audience == Audience.STAFF
            and row.channel in (Channel.IN_APP, Channel.EMAIL)
            for key, row in self.rows.items()
        )

    def write(self) -> int:
        rows, self.rows = list(self.rows.values()), {}
        if rows:
            Notification.objects.bulk_create(rows, ignore_conflicts=True)
        return len(rows)


_batch: ContextVar[OutboxBatch | None] = ContextVar("outbox_batch", default=None)


@contextmanager
def outbox_batch() -> Iterator[OutboxBatch]:
    """Collects every ``enqueue`` of the block (this thread) and writes the rows with one
    INSERT when the block ends without an error (nothing is written if it raises). Run it
    inside the caller's transaction, like ``enqueue``. Webhook endpoints are read once per
    customer for the block."""
    batch = OutboxBatch()
    token = _batch.set(batch)
    try:
        yield batch
        batch.write()
    finally:
        _batch.reset(token)


def pending_staff_row(prefix: str) -> bool:
    """Inside ``outbox_batch()``: a staff row (in-app, e-mail) with the key prefix is queued."""
    batch = _batch.get()
    return batch is not None and batch.has_staff_row(prefix)


def notify_user(
    *, key: str, user: Any, message: Message, now: datetime | None = None, email: bool = True
) -> list[Notification]:
    """A staff user: an in-app notification, and an e-mail when the user has an address."""
    if user is None or not user.is_active:
        return []
    language = language_for(user)
    rows = [
        enqueue(
            key=f"{key}:user:{user.pk}:{Channel.IN_APP}",
            channel=Channel.IN_APP,
            recipient=user.get_username(),
            user=user,
            message=message,
            now=now,
            language=language,
        )
    ]
    if email and user.email:
        rows.append(
            enqueue(
                key=f"{key}:user:{user.pk}:{Channel.EMAIL}",
                channel=Channel.EMAIL,
                recipient=user.email,
                user=user,
                message=message,
                now=now,
                language=language,
            )
        )
    return rows


def notify_email(
    *,
    key: str,
    address: str,
    message: Message,
    audience: str = Audience.STAFF,
    not_before: datetime | None = None,
    now: datetime | None = None,
    language: str | None = None,
) -> Notification | None:
    """One e-mail to an address; ``language``: the recipient's (``language_for``)."""
    if not address:
        return None
    return enqueue(
        key=f"{key}:{address.lower()}:{Channel.EMAIL}",
        channel=Channel.EMAIL,
        recipient=address,
        message=message,
        audience=audience,
        not_before=not_before,
        now=now,
        language=language,
    )


def endpoints_for(*, customer_id: int | None) -> Iterable[WebhookEndpoint]:
    """Without a customer: the provider's own endpoints; with one: that customer's endpoints."""
    batch = _batch.get()
    if batch is not None:
        if customer_id not in batch.endpoints:
            batch.endpoints[customer_id] = list(_endpoints(customer_id))
        return batch.endpoints[customer_id]
    return _endpoints(customer_id)


def _endpoints(customer_id: int | None) -> Iterable[WebhookEndpoint]:
    rows = WebhookEndpoint.objects.filter(active=True)
    if customer_id is None:
        return rows.filter(customer__isnull=True).order_by("pk")
    return rows.filter(customer_id=customer_id).order_by("pk")


def notify_webhooks(
    *,
    key: str,
    message: Message,
    customer_id: int | None = None,
    not_before: datetime | None = None,
    now: datetime | None = None,
) -> list[Notification]:
    """The provider's endpoints (at once), or a customer's (customer-facing: ``not_before``)."""
    audience = Audience.STAFF if customer_id is None else Audience.CUSTOMER
    return [
        enqueue(
            key=f"{key}:endpoint:{endpoint.pk}:{Channel.WEBHOOK}",
            channel=Channel.WEBHOOK,
            recipient=endpoint.url,
            endpoint=endpoint,
            message=message,
            audience=audience,
            not_before=not_before if customer_id is not None else None,
            now=now,
        )
        for endpoint in endpoints_for(customer_id=customer_id)
    ]


def mark_read(*, user: Any, ids: Iterable[int] | None = None, now: datetime | None = None) -> int:
    """Marks the user's in-app notifications read (all unread ones when ``ids`` is None)."""
    rows = Notification.objects.filter(user=user, channel=Channel.IN_APP, read_at__isnull=True)
    if ids is not None:
        rows = rows.filter(pk__in=list(ids))
    return rows.update(read_at=now or current_time())


def retry_dead(*, ids: Iterable[int], now: datetime | None = None) -> int:
    """Puts dead letters back in the queue with a fresh set of attempts."""
    return Notification.objects.filter(pk__in=list(ids), status=Status.DEAD).update(
        status=Status.PENDING,
        attempts=0,
        next_attempt_at=now or current_time(),
    )


# ---------------------------------------------------------------- webhook secrets

DEFAULT_ROLLOVER = timedelta(hours=24)
MAX_ROLLOVER = timedelta(days=30)


@transaction.atomic
def rotate_webhook_secret(
    *,
    endpoint: WebhookEndpoint,
    overlap: timedelta = DEFAULT_ROLLOVER,
    secret: str | None = None,
    now: datetime | None = None,
) -> WebhookEndpoint:
    """Gives the endpoint a new signing secret (``secret``, else a random one).

    For ``overlap`` the old secret stays valid: deliveries carry a signature for each, so the
    receiver can switch to the new secret whenever it likes within that time. An overlap of
    zero switches at once. Rotating during a rollover drops the older previous secret (at
    most two secrets are ever valid).
    """
    errors: dict[str, list[str]] = {}
    if secret is not None and (problem := secret_problem(secret)):
        errors["secret"] = [problem]
    if not timedelta(0) <= overlap <= MAX_ROLLOVER:
        errors["overlap"] = [
            _("must be from 0 to %(MAX_ROLLOVER)s days") % {"MAX_ROLLOVER": MAX_ROLLOVER.days}
        ]
    if errors:
        raise DomainValidationError(errors)
    moment = now or current_time()
    row = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
    keep_old = overlap > timedelta(0)
    row.previous_secret = row.secret if keep_old else ""
    row.previous_secret_expires_at = moment + overlap if keep_old else None
    row.secret = secret or new_secret()
    row.save(update_fields=["secret", "previous_secret", "previous_secret_expires_at"])
    return row


@transaction.atomic
def end_webhook_rollover(*, endpoint: WebhookEndpoint) -> WebhookEndpoint:
    """Stops signing with the previous secret now (the receiver has switched)."""
    row = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
    row.previous_secret = ""
    row.previous_secret_expires_at = None
    row.save(update_fields=["previous_secret", "previous_secret_expires_at"])
    return row
