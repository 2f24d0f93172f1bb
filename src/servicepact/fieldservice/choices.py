"""Choices and limits of field service dispatch (docs/field-service.md)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

NAME_MAX = 100
SIGNER_MAX = 200
REASON_MAX = 300
WORK_DONE_MAX = 10_000
SKILL_MAX = 40
SKILLS_MAX = 30
# A drawn signature (PNG) is small: a few kilobytes of strokes.
SIGNATURE_MAX_BYTES = 256 * 1024
# One visit is one work log, and a work log holds at most a day (billing's rule).
VISIT_MAX_MINUTES = 24 * 60


class WorkOrderStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    TRAVELLING = "travelling", _("Travelling")
    ON_SITE = "on_site", _("On site")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


OPEN_WORK_ORDER_STATUSES = (
    WorkOrderStatus.PLANNED,
    WorkOrderStatus.TRAVELLING,
    WorkOrderStatus.ON_SITE,
)


# How each work order action (``fieldservice.transitions``) is offered on pages.
ACTION_LABELS = {
    "travel": _("Set off"),
    "arrive": _("Arrived on site"),
    "depart": _("Departed"),
    "cancel": _("Cancel the visit"),
    "work": _("Record the work done"),
    "sign": _("Customer signature"),
}
