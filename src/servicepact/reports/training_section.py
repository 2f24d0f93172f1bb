"""The statement's "Training" section: the contract's sessions that started in the period.

Read by ``reports.statement.build_statement`` (one key, ``training``); one query with counts
of invited, attended and acknowledged contacts per session (kb.models.TrainingAttendance).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from django.db.models import Count, Q

from servicepact.contracts.models import Contract
from servicepact.kb.models import TrainingSession


def training_section(contract: Contract, start: datetime, end: datetime) -> list[dict[str, Any]]:
    """Sessions with ``start <= starts_at < end``, oldest first (instants as ISO UTC)."""
    rows = (
        TrainingSession.objects.filter(contract=contract, starts_at__gte=start, starts_at__lt=end)
        .annotate(
            invited=Count("attendees"),
            attended=Count("attendees", filter=Q(attendees__attended=True)),
            acknowledged=Count("attendees", filter=Q(attendees__acknowledged_at__isnull=False)),
        )
        .order_by("starts_at", "id")
    )
    return [
        {
            "topic": s.topic,
            "starts_at": s.starts_at.astimezone(UTC).isoformat(),
            "duration_minutes": s.duration_minutes,
            "trainer": s.trainer,
            "invited": s.invited,
            "attended": s.attended,
            "acknowledged": s.acknowledged,
        }
        for s in rows
    ]
