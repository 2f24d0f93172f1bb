"""Big deliveries: accepted at once (202), stored by the worker in chunks.

An alert storm (Alertmanager groups of 10,000 alerts) cannot be matched, deduplicated and
turned into tickets within a web request's timeout. A delivery of more than
``ALERT_INLINE_MAX`` alerts is validated in the request (bad alerts are rejected there, as
for small ones), then stored as ``QueuedAlerts`` chunks of ``CHUNK`` parsed alerts with one
multi-row INSERT. Each worker pass (``drain_inbox``):

1. claims the oldest unprocessed chunk (``SKIP LOCKED`` on PostgreSQL: workers share the inbox);
2. runs the same pipeline as a small delivery (ingest.py) on it, in ONE transaction with the
   claim, so a chunk is stored whole or not at all and never twice;
3. on failure, records the error and the attempt in its own transaction and goes on with the
   next chunk (a chunk is retried next pass, up to ``MAX_ATTEMPTS``).

Chunks are taken in arrival order, so the alerts of a delivery keep their order.
"""

from __future__ import annotations

import logging
import time
from dataclasses import asdict
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import F

from servicepact.core.time import now as current_time
from servicepact.monitoring.ingest import ingest_alerts
from servicepact.monitoring.models import AlertSource, QueuedAlerts
from servicepact.monitoring.sources.base import ParsedAlert

logger = logging.getLogger(__name__)

CHUNK = 200
MAX_ATTEMPTS = 5
_INSTANTS = ("starts_at", "ends_at")


def to_json(alert: ParsedAlert) -> dict[str, Any]:
    data = asdict(alert)
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
    """Stores the alerts as chunks for the worker, in one transaction; returns the count."""
    chunks = [
        QueuedAlerts(
            source=source,
            received_at=received_at,
            position=first,
            alerts=[to_json(a) for a in alerts[first : first + CHUNK]],
        )
        for first in range(0, len(alerts), CHUNK)
    ]
    with transaction.atomic():
        QueuedAlerts.objects.bulk_create(chunks)
        AlertSource.objects.filter(pk=source.pk).update(last_used_at=received_at)
    return len(alerts)


def drain_inbox(*, limit: int = 50, budget_seconds: float | None = None) -> int:
    """Stores up to ``limit`` queued chunks, each in its own transaction, stopping early once
    ``budget_seconds`` have passed (the worker's other steps must not wait behind a storm);
    returns the number of alerts stored."""
    stored = 0
    skip: list[int] = []  # chunks that failed in this pass
    deadline = None if budget_seconds is None else time.monotonic() + budget_seconds
    for _ in range(limit):
        if deadline is not None and time.monotonic() >= deadline:
            break
        try:
            done = _drain_one(skip)
        except _ChunkFailed as failed:
            skip.append(failed.chunk_id)
            continue
        if done is None:
            break
        stored += done
    return stored


class _ChunkFailed(Exception):
    def __init__(self, chunk_id: int) -> None:
        self.chunk_id = chunk_id


def _drain_one(skip: list[int]) -> int | None:
    chunk_id = None
    try:
        with transaction.atomic():
            chunk = (
                QueuedAlerts.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("source")
                .filter(processed_at__isnull=True, attempts__lt=MAX_ATTEMPTS)
                .exclude(pk__in=skip)
                .order_by("received_at", "id")
                .first()
            )
            if chunk is None:
                return None
            chunk_id = chunk.pk
            alerts = [from_json(a) for a in chunk.alerts]
            ingest_alerts(source=chunk.source, alerts=alerts, received_at=chunk.received_at)
            chunk.processed_at = current_time()
            chunk.save(update_fields=["processed_at"])
            return len(alerts)
    except Exception as exc:
        if chunk_id is None:
            raise
        logger.exception("queued alerts %s failed", chunk_id)
        QueuedAlerts.objects.filter(pk=chunk_id).update(
            attempts=F("attempts") + 1, last_error=f"{type(exc).__name__}: {exc}"[:2000]
        )
        raise _ChunkFailed(chunk_id) from exc
