from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Metric(models.TextChoices):
    FIRST_RESPONSE = "first_response", _("First response")
    ON_SITE = "on_site", _("On-site arrival")
    RESTORE = "restore", _("Restore (workaround)")
    RESOLUTION = "resolution", _("Resolution")


class ContractStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ACTIVE = "active", _("Active")
    GRACE = "grace", _("In grace")
    EXPIRED = "expired", _("Expired")
    TERMINATED = "terminated", _("Terminated")


class Renewal(models.TextChoices):
    AUTOMATIC = "automatic", _("Automatic")
    MANUAL = "manual", _("Manual")


class FeePeriod(models.TextChoices):
    MONTHLY = "monthly", _("Monthly")
    QUARTERLY = "quarterly", _("Quarterly")
    YEARLY = "yearly", _("Yearly")


class KpiKind(models.TextChoices):
    AVAILABILITY = "availability", _("Availability per month")
    RTO = "rto", _("Recovery time objective (RTO)")
    RPO = "rpo", _("Recovery point objective (RPO)")
    DDOS_CAPACITY = "ddos_capacity", _("DDoS mitigation capacity")
    BANDWIDTH = "bandwidth", _("Guaranteed bandwidth")
    PATCH_DEADLINE = "patch_deadline", _("Patch deadline")
    BACKUP_DRILL = "backup_drill", _("Backup restore drill frequency")


# Commitments nothing measures yet (their own issues come later): every page, the statement
# and the API show them as "not measured yet", never as commitments met.
UNMEASURED_KPI_KINDS: frozenset[str] = frozenset({KpiKind.PATCH_DEADLINE, KpiKind.BACKUP_DRILL})

# The unit of each KPI kind is fixed, so a commitment's number is never ambiguous.
KPI_UNITS: dict[str, str] = {
    KpiKind.AVAILABILITY: "%",
    KpiKind.RTO: "min",
    KpiKind.RPO: "min",
    KpiKind.DDOS_CAPACITY: "Gbps",
    KpiKind.BANDWIDTH: "Mbps",
    KpiKind.PATCH_DEADLINE: "h",
    KpiKind.BACKUP_DRILL: "days",
}


class Severity(models.TextChoices):
    CRITICAL = "critical", _("Critical")
    HIGH = "high", _("High")
    MEDIUM = "medium", _("Medium")
    LOW = "low", _("Low")


class MeasurementCalendar(models.TextChoices):
    ALWAYS = "24x7", _("24x7")
    COVERAGE = "coverage", _("Coverage hours")


class CoverageStatus(models.TextChoices):
    ACTIVE = "active", _("Covered")
    GRACE = "grace", _("Covered in grace")
    OUT_OF_CONTRACT = "out_of_contract", _("Out of contract")


PRIORITIES = (1, 2, 3, 4)
DEFAULT_PRIORITY_NAMES: dict[str, str] = {
    "1": "Absolute priority",
    "2": "Urgent",
    "3": "High",
    "4": "Normal",
}
# Impact (rows) x urgency (columns), both 1 = most severe .. 4 = least.
DEFAULT_PRIORITY_MATRIX: list[list[int]] = [
    [1, 1, 2, 3],
    [1, 2, 3, 3],
    [2, 3, 3, 4],
    [3, 3, 4, 4],
]


# The kind of the note a renewal without a reason stores on its version
# (``contracts.services.renew_contract``); ``tickets.system_notes`` has its text.
RENEWED_NOTE = "contract_renewed"
