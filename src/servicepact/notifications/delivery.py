"""Delivers due outbox rows: e-mail, signed webhooks, in-app.

``deliver_due(now=..., batch=...)``, in chunks until ``batch`` rows are done or none is due:

1. Claim: one short transaction locks due rows (status pending/failed and
   ``next_attempt_at <= now``, through the partial index ``notification_due_idx``) with
   ``select_for_update(skip_locked=True)``; SQLite serialises the transaction instead. It
   counts the attempt and pushes ``next_attempt_at`` one lease ahead, so no other worker picks
   the rows while they are being sent.
2. Send each row on its channel outside any transaction (a webhook may take seconds).
3. Record the outcome: sent; or failed, retried after an exponential backoff; or dead after
   the last attempt. A worker killed during step 2 leaves its rows leased; when the lease
   ends they are sent again (at least once; receivers dedupe by ``X-ServicePact-Delivery``).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import urllib.request
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.core.mail import EmailMessage
from django.db import connection, transaction
from django.db.models import F

from servicepact.core.config import option as config_option
from servicepact.core.time import now as current_time
from servicepact.notifications.choices import DUE_STATUSES, Channel, Status
from servicepact.notifications.models import Notification

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-ServicePact-Signature"
TIMESTAMP_HEADER = "X-ServicePact-Timestamp"
DELIVERY_HEADER = "X-ServicePact-Delivery"
EVENT_HEADER = "X-ServicePact-Event"
CHUNK = 20

DEFAULTS: dict[str, Any] = {
    "NOTIFY_MAX_ATTEMPTS": 6,  # then the row is a dead letter
    "NOTIFY_BACKOFF_SECONDS": 60,  # 60 s, 2 min, 4 min, 8 min, 16 min between attempts
    "WEBHOOK_TIMEOUT": 10.0,  # seconds to connect and to wait for the answer
}


def option(name: str) -> Any:
    """Delivery settings from settings.SERVICEPACT, with the defaults above."""
    return config_option(name, DEFAULTS[name])


@dataclass
class DeliveryReport:
    sent: int = 0
    failed: int = 0
    dead: int = 0

    @property
    def attempted(self) -> int:
        return self.sent + self.failed + self.dead


class DeliveryError(Exception):
    pass


def backoff(attempts: int) -> timedelta:
    """Wait after the n-th failed attempt: base x 2^(n-1)."""
    return timedelta(seconds=int(option("NOTIFY_BACKOFF_SECONDS")) * 2 ** max(0, attempts - 1))


def sign(secret: str, body: bytes) -> str:
    """The signature header value: HMAC-SHA256 of the raw request body with the endpoint's secret."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def webhook_request(row: Notification, now: datetime) -> tuple[bytes, dict[str, str]]:
    """The exact bytes and headers POSTed; the timestamp is inside the signed body too."""
    timestamp = int(now.timestamp())
    body = json.dumps(
        {
            "id": row.idempotency_key,
            "event": row.event,
            "timestamp": timestamp,
            "subject": row.subject,
            "data": row.payload,
        },
        sort_keys=True,
        separators=(",", ":"),
    ).encode()
    assert row.endpoint is not None
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "ServicePact-Webhook/1",
        SIGNATURE_HEADER: sign(row.endpoint.secret, body),
        TIMESTAMP_HEADER: str(timestamp),
        DELIVERY_HEADER: row.idempotency_key,
        EVENT_HEADER: row.event,
    }
    return body, headers


def send_webhook(row: Notification, now: datetime) -> None:
    if row.endpoint is None or not row.endpoint.active:
        raise DeliveryError("the webhook endpoint was removed or deactivated")
    body, headers = webhook_request(row, now)
    request = urllib.request.Request(row.endpoint.url, data=body, headers=headers, method="POST")
    # urlopen raises HTTPError for any answer outside 2xx, and TimeoutError / URLError for
    # a receiver that never answers or cannot be reached.
    with urllib.request.urlopen(request, timeout=float(option("WEBHOOK_TIMEOUT"))) as response:
        response.read(1024)


def send_email(row: Notification) -> None:
    message = EmailMessage(
        subject=row.subject,
        body=row.body,
        to=[row.recipient],
        headers={DELIVERY_HEADER: row.idempotency_key},
    )
    message.send(fail_silently=False)


def send(row: Notification, now: datetime) -> None:
    if row.channel == Channel.EMAIL:
        send_email(row)
    elif row.channel == Channel.WEBHOOK:
        send_webhook(row, now)
    elif row.channel != Channel.IN_APP:  # in-app rows are delivered by being marked sent
        raise DeliveryError(f"unknown channel {row.channel!r}")


def _lease(rows: int) -> timedelta:
    # Long enough to send the whole chunk even if every webhook times out.
    return timedelta(seconds=rows * (float(option("WEBHOOK_TIMEOUT")) + 5) + 60)


def claim(*, now: datetime, limit: int) -> list[Notification]:
    """Locks up to ``limit`` due rows, counts the attempt and leases them (step 1)."""
    with transaction.atomic():
        due = Notification.objects.filter(status__in=DUE_STATUSES, next_attempt_at__lte=now)
        if connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True, of=("self",))
        rows = list(due.select_related("endpoint").order_by("next_attempt_at", "id")[:limit])
        if rows:
            # Counting the attempt here means a row that kills the worker still runs out of attempts.
            Notification.objects.filter(pk__in=[r.pk for r in rows]).update(
                next_attempt_at=now + _lease(len(rows)), attempts=F("attempts") + 1
            )
    for row in rows:
        row.attempts += 1
    return rows


def record(row: Notification, now: datetime, error: str | None) -> str:
    """Stores the outcome of one attempt (step 3); returns the new status."""
    fields: dict[str, Any] = {}
    if error is None:
        fields.update(status=Status.SENT, sent_at=now, next_attempt_at=None, last_error="")
    elif row.attempts >= int(option("NOTIFY_MAX_ATTEMPTS")):
        fields.update(status=Status.DEAD, next_attempt_at=None, last_error=error[:2000])
    else:
        fields.update(
            status=Status.FAILED,
            next_attempt_at=now + backoff(row.attempts),
            last_error=error[:2000],
        )
    Notification.objects.filter(pk=row.pk).update(**fields)
    return str(fields["status"])


def deliver_due(*, now: datetime | None = None, batch: int = 500) -> DeliveryReport:
    moment = now or current_time()
    report = DeliveryReport()
    while report.attempted < batch:
        rows = claim(now=moment, limit=min(CHUNK, batch - report.attempted))
        for row in rows:
            try:
                send(row, moment)
                error = None
            except (
                Exception
            ) as exc:  # any failure of a channel is recorded on the row, never raised
                error = f"{type(exc).__name__}: {exc}"
                logger.warning(
                    "delivery of notification %s (%s) failed: %s", row.pk, row.channel, error
                )
            status = record(row, moment, error)
            if status == Status.SENT:
                report.sent += 1
            elif status == Status.DEAD:
                report.dead += 1
            else:
                report.failed += 1
        if len(rows) < CHUNK:
            break
    return report
