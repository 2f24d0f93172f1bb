from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Metric(models.TextChoices):
    """The codes of the four metrics every installation starts with.

    Metrics are data (``contracts.models.SlaMetric``, seeded with these four rows by a data
    migration; ADR "SLA metrics are data"): nothing may enumerate these members to decide
    which metrics exist. They remain as named codes for seeds and tests.
    """

    FIRST_RESPONSE = "first_response", _("First response")
    ON_SITE = "on_site", _("On-site arrival")
    RESTORE = "restore", _("Restore (workaround)")
    RESOLUTION = "resolution", _("Resolution")


class TicketKind(models.TextChoices):
    INCIDENT = "incident", _("Incident")
    REQUEST = "request", _("Service request")


class Category(models.TextChoices):
    HARDWARE = "hardware", _("Hardware")
    OPERATING_SYSTEM = "os", _("Operating system")
    NETWORK = "network", _("Network")
    APPLICATION = "application", _("Application")
    SECURITY = "security", _("Security")
    DDOS = "ddos", _("DDoS")
    BACKUP = "backup", _("Backup / restore")
    REQUEST = "request", _("Request")
    OTHER = "other", _("Other")


class ClockStage(models.TextChoices):
    """The fixed vocabulary of ticket stages a metric starts or stops on; each is the kind of
    the ticket event that marks it (``tickets.choices.EventKind`` has the same values)."""

    OPENED = "opened", _("Opened")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged (first response)")
    FAULT_CONFIRMED = "fault_confirmed", _("Fault confirmed")
    DISPATCHED = "dispatched", _("Engineer dispatched")
    ONSITE_ARRIVED = "onsite_arrived", _("Engineer on site")
    SOLUTION_PROPOSED = "solution_proposed", _("Solution proposed")
    RESTORED = "restored", _("Service restored (workaround)")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")
    ESCALATED_L2 = "escalated_l2", _("Escalated to 2nd level support")
    ESCALATED_L3 = "escalated_l3", _("Escalated to 3rd level support")
    # Spare parts (servicepact.stock): the first part reserved or ordered for the ticket, and
    # the moment every part it waits for is delivered (the parts_delivery metric).
    PART_ORDERED = "part_ordered", _("Part reserved or ordered")
    PART_DELIVERED = "part_delivered", _("Part delivered")


class PauseStatus(models.TextChoices):
    """The ticket statuses that may pause a metric's clock (entered and left by the
    ``paused`` / ``resumed`` events)."""

    WAITING = "waiting", _("Waiting on customer")


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
    RECTIFICATION_DEADLINE = "rectification", _("Rectification deadline after an audit or test")
    AUDIT_FREQUENCY = "audit_frequency", _("Security audit frequency")


# Commitments nothing measures yet (their own issues come later): every page, the statement
# and the API show them as "not measured yet", never as commitments met.
# Patch and rectification deadlines are measured by the security app (one measurement per
# decided vulnerability or finding); an audit frequency is a schedule, not a measurement.
# Backup drills are counted by servicepact.backups in the statement's recovery section (due
# dates done or missed, credits for missed ones); the KPI table reads posted measurements,
# and nothing posts drill measurements, so the KPI row stays "not measured yet".
UNMEASURED_KPI_KINDS: frozenset[str] = frozenset({KpiKind.AUDIT_FREQUENCY, KpiKind.BACKUP_DRILL})
# Commitments that apply per vulnerability severity.
SEVERITY_KPI_KINDS: frozenset[str] = frozenset(
    {KpiKind.PATCH_DEADLINE, KpiKind.RECTIFICATION_DEADLINE}
)

# The unit of each KPI kind is fixed, so a commitment's number is never ambiguous.
KPI_UNITS: dict[str, str] = {
    KpiKind.AVAILABILITY: "%",
    KpiKind.RTO: "min",
    KpiKind.RPO: "min",
    KpiKind.DDOS_CAPACITY: "Gbps",
    KpiKind.BANDWIDTH: "Mbps",
    KpiKind.PATCH_DEADLINE: "h",
    KpiKind.BACKUP_DRILL: "days",
    KpiKind.RECTIFICATION_DEADLINE: "h",
    KpiKind.AUDIT_FREQUENCY: "days",
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
    # No contract covers it, a warranty entitlement does: its tier's plan terms apply
    # (docs/adr/0019-warranty-coverage-without-contract.md).
    WARRANTY = "warranty", _("Covered by warranty")
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
