"""The alert inbox: deliveries accepted at once (202), stored by the worker in batches.

The endpoint authenticates, validates (bad alerts are rejected in the request) and appends
the delivery as ``QueuedAlerts`` rows of at most ``CHUNK`` parsed alerts with ONE multi-row
INSERT, then answers (docs/monitoring.md, "The inbox"). A delivery of at most
``ALERT_INLINE_MAX`` alerts (default 0: none) is instead stored in its request, through the
same pipeline. Each worker pass (``drain_inbox``):

1. claims the oldest unprocessed rows, up to ``BATCH_ALERTS`` alerts: ``SELECT ... FOR UPDATE
   SKIP LOCKED`` on PostgreSQL (workers share the inbox); on SQLite an ``UPDATE`` of the
   ``claimed_by`` column, which takes the database's write lock, so a second worker waits and
   then finds them processed;
2. stores them with the set-based pipeline (batch.py) in ONE transaction with the claim and
   the ``processed_at`` mark, so a delivery is stored whole or not at all and never twice;
3. on failure, retries the rows of that batch one by one; a row that fails alone records its
   error and attempt in its own transaction (retried next pass, up to ``MAX_ATTEMPTS``) and
   does not hold back the others.

Rows are taken in arrival order, so the alerts of a delivery keep their order.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from datetime import datetime
from typing import Any

from django.db import connection, transaction
from django.db.models import F
from django.http import HttpResponse

from servicepact.core.bulk import insert_statement
from servicepact.core.time import now as current_time
from servicepact.monitoring.batch import Delivery, ingest_batch
from servicepact.monitoring.models import AlertSource, QueuedAlerts
from servicepact.monitoring.sources.base import ParsedAlert

logger = logging.getLogger(__name__)

CHUNK = 500  # alerts per inbox row
BATCH_ALERTS = 2_000  # alerts per worker transaction
MAX_ATTEMPTS = QueuedAlerts.MAX_ATTEMPTS
_INSTANTS = ("starts_at", "ends_at")


def to_json(alert: ParsedAlert) -> dict[str, Any]:
    # Shallow (``asdict`` deep-copies every label): the dict is serialised at once.
    data = dict(alert.__dict__)  # the fields, in their order
    for key in _INSTANTS:
        data[key] = data[key].isoformat() if data[key] is not None else None
    data["hosts"] = list(alert.hosts)
    return data


def from_json(data: dict[str, Any]) -> ParsedAlert:
    values = dict(data)
    for key in _INSTANTS:
        values[key] = datetime.fromisoformat(values[key]) if values[key] else None
    values["hosts"] = tuple(values["hosts"])
    return ParsedAlert(**values)


def queue_alerts(*, source: AlertSource, alerts: list[ParsedAlert], received_at: datetime) -> int:
    """Appends the delivery to the inbox with ONE multi-row INSERT (atomic by itself: a
    delivery is queued whole or not at all; in autocommit it commits without the round trips
    of a transaction block); returns the number of alerts."""
    insert_statement(QueuedAlerts, _INBOX_COLUMNS, _inbox_rows(source.pk, alerts, received_at))
    return len(alerts)


# An active source of a kind with a token hash: the rule of ``authenticate_source`` plus the
# kind, as SQL (parameters: token hash, kind). The intake's lookup (``services.
# active_source_id``) and its checked INSERT (``queue_for_token``) both use it.
ACTIVE_SOURCE = "token_hash = %s AND is_active AND kind = %s"


def queue_for_token(
    *, source_id: int, token_hash: str, kind: str, alerts: list[ParsedAlert], received_at: datetime
) -> int:
    """``queue_alerts`` for the source ``source_id`` only if it still is an active source of
    ``kind`` with this token hash — checked by the INSERT itself, so a source deactivated or a
    token rotated a moment ago is refused without a lookup of its own (the intake's fast
    path, intake.py); returns the number of alerts queued, 0 when nothing was written."""
    table = connection.ops.quote_name(AlertSource._meta.db_table)
    active = (
        f"EXISTS (SELECT 1 FROM {table} WHERE id = %s AND {ACTIVE_SOURCE})",
        (source_id, token_hash, kind),
    )
    rows = _inbox_rows(source_id, alerts, received_at)
    written = insert_statement(QueuedAlerts, _INBOX_COLUMNS, rows, where=active)
    return len(alerts) if written else 0


def _inbox_rows(
    source_id: int, alerts: list[ParsedAlert], received_at: datetime
) -> list[tuple[Any, ...]]:
    """The delivery as inbox rows (``_INBOX_COLUMNS``) of at most ``CHUNK`` alerts each."""
    return [
        (source_id, received_at, first, [to_json(a) for a in chunk], len(chunk), "", 0, "")
        for first in range(0, len(alerts), CHUNK)
        for chunk in (alerts[first : first + CHUNK],)
    ]


def accepted_response(queued: int, rejected: list[dict[str, Any]] | None = None) -> HttpResponse:
    """The endpoint's 202 for a queued delivery (``AlertsAccepted``, fields in its order),
    answered by the endpoint and by the intake's fast path alike (intake.py)."""
    body: dict[str, Any] = {"accepted": queued, "tickets": [], "unmatched": 0, "queued": queued}
    if rejected:
        body["rejected"] = rejected
    return HttpResponse(
        json.dumps(body), status=202, content_type="application/json; charset=utf-8"
    )


_INBOX_COLUMNS = (
    "source",
    "received_at",
    "position",
    "alerts",
    "alert_count",
    "claimed_by",
    "attempts",
    "last_error",
)


def drain_inbox(*, limit: int = 50, budget_seconds: float | None = None) -> int:
    """Stores up to ``limit`` inbox rows in batches, stopping early once ``budget_seconds``
    have passed (the worker's other steps must not wait behind a storm) or once a batch took
    everything that was waiting; returns the number of alerts stored."""
    stored = taken = 0
    skip: list[int] = []  # rows that failed in this pass
    deadline = None if budget_seconds is None else time.monotonic() + budget_seconds
    while taken < limit:
        if deadline is not None and time.monotonic() >= deadline:
            break
        done = _drain_batch(skip, limit - taken)
        if done is None:
            break
        taken, stored = taken + done[0], stored + done[1]
        if not done[2]:
            break
    return stored


def _drain_batch(
    skip: list[int], most: int, only: int | None = None
) -> tuple[int, int, bool] | None:
    """(rows taken, alerts stored, whether more may be waiting) of one batch, or None when
    nothing is waiting."""
    ids: list[int] = []
    # Read outside a transaction: an empty inbox (the worker's usual pass) costs one SELECT.
    chosen, more = _waiting(skip, most, only)
    if not chosen:
        return None
    try:
        with transaction.atomic():
            rows = _claim(chosen)
            if not rows:
                return None
            ids = [row.pk for row in rows]
            deliveries = [
                Delivery(row.source, [from_json(a) for a in row.alerts], row.received_at)
                for row in rows
            ]
            ingest_batch(deliveries)
            QueuedAlerts.objects.filter(pk__in=ids).update(processed_at=current_time())
            return len(rows), sum(len(d.alerts) for d in deliveries), more
    except Exception as exc:
        if not ids:
            raise
        if len(ids) > 1:  # find the culprit: each row of the batch on its own
            done = [_drain_batch(skip, 1, only=row_id) for row_id in ids]
            return len(ids), sum(d[1] for d in done if d is not None), True
        logger.exception("queued alerts %s failed", ids[0])
        QueuedAlerts.objects.filter(pk=ids[0]).update(
            attempts=F("attempts") + 1, last_error=f"{type(exc).__name__}: {exc}"[:2000]
        )
        skip.append(ids[0])
        return 1, 0, True


def _waiting(skip: list[int], most: int, only: int | None) -> tuple[list[int], bool]:
    """The oldest waiting rows, up to ``most`` rows and ``BATCH_ALERTS`` alerts (at least one
    row), and whether more rows may wait behind them."""
    waiting = QueuedAlerts.objects.filter(
        processed_at__isnull=True, attempts__lt=MAX_ATTEMPTS
    ).exclude(pk__in=skip)
    if only is not None:
        waiting = waiting.filter(pk=only)
    chosen: list[int] = []
    alerts = 0
    found = waiting.order_by("received_at", "id").values_list("pk", "alert_count")[:most]
    for pk, count in found:
        if chosen and alerts + count > BATCH_ALERTS:
            return chosen, True
        chosen.append(pk)
        alerts += count
    return chosen, len(chosen) == most


def _claim(chosen: list[int]) -> list[QueuedAlerts]:
    """The rows of ``chosen`` still unprocessed, claimed for this transaction (those another
    worker holds are skipped)."""
    claimed = QueuedAlerts.objects.filter(pk__in=chosen, processed_at__isnull=True)
    if connection.features.has_select_for_update_skip_locked:
        claimed = claimed.select_for_update(skip_locked=True, of=("self",))
    else:  # SQLite: the UPDATE takes the write lock; a concurrent claim waits for our commit
        token = uuid.uuid4().hex
        claimed.update(claimed_by=token)
        claimed = QueuedAlerts.objects.filter(claimed_by=token)
    # The customer names the scope in match notes ("… of Acme"): read with the rows, not
    # once per delivery.
    return list(claimed.select_related("source__customer").order_by("received_at", "id"))
