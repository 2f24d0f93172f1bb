"""The statement's changes section: changes carried out in the month and how they ended.

Counted (docs/changes.md, "In the statement"): the contract's changes that ended in the
local month before the cut-off — verified (done), rolled back, failed. Success rate =
done / (done + rolled back + failed). Emergency changes started in the month are listed
with when the board and the customer approved them: approved after the fact, or not yet.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from django.db.models import Count, Q

from servicepact.billing.facts import PeriodFacts
from servicepact.changes.choices import ENDED_STATUSES, ChangeKind, ChangeStatus
from servicepact.changes.models import Change
from servicepact.slaclock.statement_rules import percent

LISTED = 50  # the section lists at most this many changes (the counts cover them all)


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.astimezone(UTC).isoformat()


def changes_section(facts: PeriodFacts) -> dict[str, Any]:
    """Counts, success rate and lists for the statement snapshot (JSON-serialisable)."""
    ended = Change.objects.filter(
        contract=facts.contract,
        status__in=ENDED_STATUSES,
        completed_at__gte=facts.start,
        completed_at__lt=facts.cutoff,
    )
    counts = ended.aggregate(
        done=Count("id", filter=Q(status=ChangeStatus.DONE)),
        rolled_back=Count("id", filter=Q(status=ChangeStatus.ROLLED_BACK)),
        failed=Count("id", filter=Q(status=ChangeStatus.FAILED)),
    )
    total = counts["done"] + counts["rolled_back"] + counts["failed"]
    emergency = Change.objects.filter(
        contract=facts.contract,
        kind=ChangeKind.EMERGENCY,
        started_at__gte=facts.start,
        started_at__lt=facts.cutoff,
    ).order_by("started_at", "id")[:LISTED]
    return {
        "done": counts["done"],
        "rolled_back": counts["rolled_back"],
        "failed": counts["failed"],
        "ended": total,
        "success_percent": percent(counts["done"], total),
        "changes": [
            {
                "number": c.number,
                "title": c.title,
                "kind": c.kind,
                "status": c.status,
                "planned_start": _iso(c.planned_start),
                "planned_end": _iso(c.planned_end),
                "completed_at": _iso(c.completed_at),
            }
            for c in ended.order_by("completed_at", "id")[:LISTED]
        ],
        "emergency": [
            {
                "number": c.number,
                "title": c.title,
                "started_at": _iso(c.started_at),
                "customer_approved_at": _iso(c.approved_at),
                "board_decided_at": _iso(c.cab_decided_at),
                "approved_after_fact": c.approved_after_fact,
            }
            for c in emergency
        ],
    }
