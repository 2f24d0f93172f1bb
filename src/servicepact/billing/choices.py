from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class CreditStatus(models.TextChoices):
    COMPUTED = "computed", _("Computed")
    APPROVED = "approved", _("Approved")
    ADJUSTED = "adjusted", _("Adjusted")
    APPLIED = "applied", _("Applied")


class CreditRule(models.TextChoices):
    AVAILABILITY = "availability", _("Availability tier")
    BREACH = "breach", _("Clock breach")
    CAP = "cap", _("Cap")


class WorkType(models.TextChoices):
    REMOTE = "remote", _("Remote work")
    ON_SITE = "on_site", _("On site")
    TRAVEL = "travel", _("Travel")


class AuditAction(models.TextChoices):
    COMPUTE = "compute", _("Computed")
    RECOMPUTE = "recompute", _("Recomputed")
    APPROVE = "approve", _("Approved")
    ADJUST = "adjust", _("Adjusted")
    APPLY = "apply", _("Marked applied")


# Months in one fee period: the monthly fee of a quarterly fee is fee / 3.
FEE_PERIOD_MONTHS: dict[str, int] = {"monthly": 1, "quarterly": 3, "yearly": 12}
