"""The worker's heartbeat: written at the end of every pass, read by ``/readyz`` and ``/metrics``.

One row per worker process (``host:pid``). A process that stops beating leaves its row behind;
rows older than ``PRUNE_AFTER`` are deleted by the next beat of any worker, so the table stays
as small as the number of live workers.
"""

from __future__ import annotations

import os
import socket
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Max

from servicepact.core.models import WorkerHeartbeat
from servicepact.core.time import require_aware

PRUNE_AFTER = timedelta(days=1)


def worker_name() -> str:
    """This process's name in the heartbeat table."""
    return f"{socket.gethostname()}:{os.getpid()}"[:200]


def record_heartbeat(
    *, at: datetime, ok: bool, failed_steps: int = 0, pass_seconds: float = 0.0, worker: str = ""
) -> WorkerHeartbeat:
    """Stores this worker's pass at ``at``; ``ok`` (every step succeeded) also moves
    ``last_ok_at``. One transaction: the beat and the pruning of dead workers' rows."""
    require_aware(at, "at")
    name = worker or worker_name()
    with transaction.atomic():
        beat, _ = WorkerHeartbeat.objects.update_or_create(
            worker=name,
            defaults={"beat_at": at, "failed_steps": failed_steps, "pass_seconds": pass_seconds},
        )
        if ok:
            WorkerHeartbeat.objects.filter(pk=beat.pk).update(last_ok_at=at)
            beat.last_ok_at = at
        WorkerHeartbeat.objects.filter(beat_at__lt=at - PRUNE_AFTER).delete()
    return beat


def last_beats() -> tuple[datetime | None, datetime | None]:
    """(newest pass of any worker, newest successful pass of any worker), or None each."""
    row = WorkerHeartbeat.objects.aggregate(beat=Max("beat_at"), ok=Max("last_ok_at"))
    return row["beat"], row["ok"]
