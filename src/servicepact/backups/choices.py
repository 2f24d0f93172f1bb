from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class SourceKind(models.TextChoices):
    GENERIC = "generic", _("Generic JSON")
    RESTIC = "restic", _("restic")
    BACULA = "bacula", _("Bacula")


class CopyLocation(models.TextChoices):
    """Where a copy of a backup lives; a policy requires one or more of them."""

    LOCAL = "local", _("Local")
    OFFSITE = "offsite", _("Off-site")
    OTHER_ZONE = "other_zone", _("Other availability zone")


class RunStatus(models.TextChoices):
    STARTED = "started", _("Started")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")


class DrillKind(models.TextChoices):
    RESTORE = "restore", _("Restore drill")
    FAILOVER = "failover", _("Failover test")


class DueStatus(models.TextChoices):
    PENDING = "pending", _("Due")
    DONE = "done", _("Done")
    MISSED = "missed", _("Missed")


# Escalation of a drill's due date: a warning WARN_DAYS before, a final warning a day before,
# then "missed" at the due instant (the breach). Stored as ``DrillDue.escalation``.
ESCALATION_NONE, ESCALATION_WARNED, ESCALATION_FINAL = 0, 1, 2
FINAL_WARNING_DAYS = 1
