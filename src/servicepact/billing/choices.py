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
    KPI = "kpi", _("KPI commitment missed")
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


class Coverage(models.TextChoices):
    """What the base fee does with a category of work (the contract's scope)."""

    INCLUDED = "included", _("Included in the base fee")
    BILLABLE = "billable", _("Billable extra work")
    EXCLUDED = "excluded", _("Excluded")


class WorkLogAction(models.TextChoices):
    CREATE = "create", _("Logged")
    EDIT = "edit", _("Edited")
    DELETE = "delete", _("Deleted")


class Bucket(models.TextChoices):
    MAINTENANCE = "maintenance", _("Maintenance hours")
    PROJECT = "project", _("Project hours")


class EntryKind(models.TextChoices):
    """The kinds of hours ledger entry; every change of a balance is one of these."""

    INCLUDED = "included", _("Included")
    CONSUMED = "consumed", _("Consumed")
    ROLLED_OVER = "rolled_over", _("Rolled over")
    EXPIRED = "expired", _("Expired")
    CONVERTED = "converted", _("Converted")
    ADJUSTED = "adjusted", _("Adjusted")
    OVERAGE = "overage", _("Billed as overage")


class ConversionStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class ChargeStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    FINAL = "final", _("Final")


class ChargeKind(models.TextChoices):
    BASE_FEE = "base_fee", _("Base fee")
    OVERAGE = "overage", _("Overage")
    EXTRA_WORK = "extra_work", _("Billable extra work")
    PARTS = "parts", _("Parts")
    CREDIT = "credit", _("Service credits")
    GUARANTEE = "guarantee", _("Satisfaction guarantee")


class FeeChangeStatus(models.TextChoices):
    """proposed -> approved (a manager) -> accepted | declined (the customer); withdrawn."""

    PROPOSED = "proposed", _("Proposed")
    APPROVED = "approved", _("Approved, awaiting the customer")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class RenewalStatus(models.TextChoices):
    """prepared (staff) -> sent (a manager approves and sends) -> accepted | declined (the
    customer); prepared or sent can be withdrawn."""

    PREPARED = "prepared", _("Prepared")
    SENT = "sent", _("Sent, awaiting the customer")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    WITHDRAWN = "withdrawn", _("Withdrawn")
