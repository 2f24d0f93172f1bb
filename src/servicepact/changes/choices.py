from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ChangeKind(models.TextChoices):
    STANDARD = "standard", _("Standard (pre-approved template)")
    NORMAL = "normal", _("Normal")
    EMERGENCY = "emergency", _("Emergency")


class ChangeStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    IN_PROGRESS = "in_progress", _("In progress")
    IMPLEMENTED = "implemented", _("Implemented")
    DONE = "done", _("Done")
    ROLLED_BACK = "rolled_back", _("Rolled back")
    FAILED = "failed", _("Failed")


class Level(models.IntegerChoices):
    """Impact and likelihood on one three-step scale (the risk matrix multiplies them)."""

    LOW = 1, _("Low")
    MEDIUM = 2, _("Medium")
    HIGH = 3, _("High")


class Risk(models.TextChoices):
    LOW = "low", _("Low risk")
    MEDIUM = "medium", _("Medium risk")
    HIGH = "high", _("High risk")
    CRITICAL = "critical", _("Critical risk")


def risk_of(impact: int, likelihood: int) -> Risk:
    """The risk matrix (docs/changes.md): score = impact x likelihood, each 1..3.

    score 1-2 low, 3-4 medium, 6 high, 9 critical.
    """
    score = impact * likelihood
    if score <= 2:
        return Risk.LOW
    if score <= 4:
        return Risk.MEDIUM
    if score <= 6:
        return Risk.HIGH
    return Risk.CRITICAL


class CabRule(models.TextChoices):
    ALL = "all", _("All named approvers")
    QUORUM = "quorum", _("A quorum of the named approvers")


class Vote(models.TextChoices):
    PENDING = "pending", _("Pending")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class EventKind(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    EDITED = "edited", _("Edited")
    CAB_VOTE = "cab_vote", _("Board vote")
    CAB_APPROVED = "cab_approved", _("Approved by the change advisory board")
    CAB_REJECTED = "cab_rejected", _("Rejected by the change advisory board")
    CUSTOMER_APPROVED = "customer_approved", _("Approved by the customer")
    CUSTOMER_REJECTED = "customer_rejected", _("Rejected by the customer")
    APPROVED = "approved", _("Approved")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    STARTED = "started", _("Started")
    IMPLEMENTED = "implemented", _("Implemented")
    VERIFIED = "verified", _("Done (verified)")
    ROLLED_BACK = "rolled_back", _("Rolled back")
    FAILED = "failed", _("Failed")
    CONFIGURATION = "configuration", _("Configuration updated")


class ReleaseStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    SHIPPED = "shipped", _("Shipped")
    CANCELLED = "cancelled", _("Cancelled")


# A change whose window can make downtime planned (with the customer's approval, approved_at):
# approved, or carried out since, whatever the outcome. Downtime outside the window counts.
APPROVED_STATUSES = (
    ChangeStatus.APPROVED,
    ChangeStatus.IN_PROGRESS,
    ChangeStatus.IMPLEMENTED,
    ChangeStatus.DONE,
    ChangeStatus.ROLLED_BACK,
    ChangeStatus.FAILED,
)

# Executed changes that ended (the statement's success rate: done / all three).
ENDED_STATUSES = (ChangeStatus.DONE, ChangeStatus.ROLLED_BACK, ChangeStatus.FAILED)

# Statuses that still hold the window on the calendar (a rejected change frees it).
CALENDAR_STATUSES = (ChangeStatus.REQUESTED, *APPROVED_STATUSES)

# The execution transitions: action -> (statuses it starts from, status it leads to, event).
# Services, desk, portal and API read this one table, so no button is shown that is refused.
# An emergency change may start before it is approved (approved after the fact).
EXECUTION: dict[str, tuple[tuple[str, ...], str, str]] = {
    "start": ((ChangeStatus.APPROVED,), ChangeStatus.IN_PROGRESS, EventKind.STARTED),
    "implement": ((ChangeStatus.IN_PROGRESS,), ChangeStatus.IMPLEMENTED, EventKind.IMPLEMENTED),
    "verify": ((ChangeStatus.IMPLEMENTED,), ChangeStatus.DONE, EventKind.VERIFIED),
    "roll_back": (
        (ChangeStatus.IN_PROGRESS, ChangeStatus.IMPLEMENTED),
        ChangeStatus.ROLLED_BACK,
        EventKind.ROLLED_BACK,
    ),
    "fail": (
        (ChangeStatus.IN_PROGRESS, ChangeStatus.IMPLEMENTED),
        ChangeStatus.FAILED,
        EventKind.FAILED,
    ),
}


def execution_allowed(action: str, status: str, kind: str) -> bool:
    """May ``action`` run on a change in ``status`` of ``kind``? (the one table above)."""
    if action not in EXECUTION:
        return False
    sources = EXECUTION[action][0]
    if action == "start" and kind == ChangeKind.EMERGENCY:
        sources = (*sources, ChangeStatus.REQUESTED)
    return status in sources


EXECUTION_LABELS = {
    "start": _("Start"),
    "implement": _("Implemented"),
    "verify": _("Verified"),
    "roll_back": _("Rolled back"),
    "fail": _("Failed"),
}


class ProblemStatus(models.TextChoices):
    """An ITIL problem: open (cause unknown), known error (root cause and workaround known),
    resolved (the fix is in, usually by a change)."""

    OPEN = "open", _("Open")
    KNOWN_ERROR = "known_error", _("Known error")
    RESOLVED = "resolved", _("Resolved")
