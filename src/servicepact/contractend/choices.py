from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class EndReason(models.TextChoices):
    LAPSE = "lapse", _("Lapses unrenewed")
    TERMINATION = "termination", _("Terminated")


class Phase(models.TextChoices):
    NOTICE = "notice", _("Before the end")  # the before-lapse checklist
    EXIT = "exit", _("Exit")  # the contract has ended (grace, expired, terminated)


class PlanStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")  # every exit step done
    CANCELLED = "cancelled", _("Cancelled: the end date moved")  # renewed, or terminated earlier


class StepCode(models.TextChoices):
    EXPORT_DELIVERED = "export_delivered", _("Data export delivered")
    BACKUPS = "backups", _("Backups handed over or deleted")
    ACCESS_REVOKED = "access_revoked", _("Access revoked")
    DOCUMENTS_RETURNED = "documents_returned", _("Documents returned")


class BackupOutcome(models.TextChoices):
    HANDED_OVER = "handed_over", _("Handed over to the customer")
    DELETED = "deleted", _("Deleted")


# The provider's exit steps, in order.
STEP_ORDER = (
    StepCode.EXPORT_DELIVERED,
    StepCode.BACKUPS,
    StepCode.ACCESS_REVOKED,
    StepCode.DOCUMENTS_RETURNED,
)
