from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from servicepact.contracts.choices import Category as Category
from servicepact.contracts.choices import ClockStage
from servicepact.contracts.choices import TicketKind as TicketKind
from servicepact.slaclock import ClockState as EngineState


class Channel(models.TextChoices):
    PORTAL = "portal", _("Portal")
    EMAIL = "email", _("E-mail")
    PHONE = "phone", _("Phone")
    CHAT = "chat", _("Chat")
    ON_SITE = "onsite", _("On site")
    API = "api", _("API")
    MONITORING = "monitoring", _("Monitoring")


class SupportLevel(models.IntegerChoices):
    """The technical level of a ticket (functional escalation): who works on it now."""

    FIRST = 1, _("1st level support")
    SECOND = 2, _("2nd level support")
    THIRD = 3, _("3rd level support")


class Status(models.TextChoices):
    NEW = "new", _("New")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    IN_PROGRESS = "in_progress", _("In progress")
    WAITING = "waiting", _("Waiting on customer")
    SOLUTION_PROPOSED = "solution_proposed", _("Solution proposed")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")


OPEN_STATUSES = (
    Status.NEW,
    Status.ACKNOWLEDGED,
    Status.IN_PROGRESS,
    Status.WAITING,
    Status.SOLUTION_PROPOSED,
)


class EventKind(models.TextChoices):
    OPENED = "opened", _("Opened")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    STARTED = "started", _("Work started")
    PAUSED = "paused", _("Waiting on customer")
    RESUMED = "resumed", _("Resumed")
    RESTORED = "restored", _("Service restored (workaround)")
    FAULT_CONFIRMED = "fault_confirmed", _("Fault confirmed")
    DISPATCHED = "dispatched", _("Engineer dispatched")
    ESCALATED_L2 = ClockStage.ESCALATED_L2.value, ClockStage.ESCALATED_L2.label
    ESCALATED_L3 = ClockStage.ESCALATED_L3.value, ClockStage.ESCALATED_L3.label
    ONSITE_ARRIVED = "onsite_arrived", _("Engineer on site")
    PART_ORDERED = ClockStage.PART_ORDERED.value, ClockStage.PART_ORDERED.label
    PART_DELIVERED = ClockStage.PART_DELIVERED.value, ClockStage.PART_DELIVERED.label
    SOLUTION_PROPOSED = "solution_proposed", _("Solution proposed")
    SOLUTION_DECLINED = "solution_declined", _("Solution declined")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")
    REOPENED = "reopened", _("Reopened")
    PRIORITY_CHANGED = "priority_changed", _("Priority changed")
    ASSIGNED = "assigned", _("Assigned")
    COMMENTED = "commented", _("Comment")
    DEADLINE_MOVED = "deadline_moved", _("Deadline moved")
    THRESHOLD_CROSSED = "threshold_crossed", _("Escalation threshold crossed")
    BREACHED = "breached", _("SLA breached")
    UPDATED = "updated", _("Updated")


class ClockState(models.TextChoices):
    RUNNING = "running", _("Running")
    PAUSED = "paused", _("Paused")
    MET = "met", _("Met")
    BREACHED = "breached", _("Breached")
    # The clock's stop event can no longer happen (an on-site arrival on a resolved ticket):
    # it ended before its deadline, never breaches and is left out of compliance.
    NOT_REQUIRED = "not_required", _("Not required")


def stored_clock_state(state: EngineState) -> ClockState:
    """The stored ``ClockState`` of an engine verdict (``slaclock.ClockState``).

    The two enums are different types that share their values; compare an engine result
    with ``EngineState`` and a stored clock with ``ClockState``, and convert here, never by
    comparing one with the other. An engine state this model does not know raises
    ValueError. "Pending" (``now`` before the ticket's opening: an opening time a few
    seconds ahead of the server's clock) is stored as running: nothing has elapsed yet.
    """
    if state == EngineState.PENDING:
        return ClockState.RUNNING
    return ClockState(state.value)


# Length limits of free text (characters). Checked by the services (a field error, nothing
# stored) and announced to browsers by the forms' maxlength.
SUBJECT_MAX_CHARS = 200
TEXT_MAX_CHARS = 20_000  # comments, descriptions, solutions, resolutions
REASON_MAX_CHARS = 300  # a waiting reason is stored in a 300-character column
