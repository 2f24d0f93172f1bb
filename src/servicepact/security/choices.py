"""States, severities and kinds of the security app (docs/security-management.md)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class CvssSeverity(models.TextChoices):
    """The CVSS v3.1 qualitative rating of a base score (FIRST's specification, section 5)."""

    NONE = "none", _("None")
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")
    CRITICAL = "critical", _("Critical")


class RemediationState(models.TextChoices):
    OPEN = "open", _("Open")
    MITIGATED = "mitigated", _("Mitigated")
    PATCHED = "patched", _("Patched")
    ACCEPTED_RISK = "accepted_risk", _("Accepted risk")
    FALSE_POSITIVE = "false_positive", _("False positive")


class RemediationAction(models.TextChoices):
    MITIGATE = "mitigate", _("Record a mitigation")
    PATCH = "patch", _("Mark patched")
    ACCEPT_RISK = "accept_risk", _("Accept the risk")
    FALSE_POSITIVE = "false_positive", _("Mark false positive")
    REOPEN = "reopen", _("Reopen")


# The one transition table (services, desk, portal and API read it): action -> states it
# may start from. Patched and false positive are final; accepted risk can be reopened
# (the clock resumes with the business time it had left).
ALLOWED: dict[str, frozenset[str]] = {
    RemediationAction.MITIGATE: frozenset({RemediationState.OPEN, RemediationState.MITIGATED}),
    RemediationAction.PATCH: frozenset({RemediationState.OPEN, RemediationState.MITIGATED}),
    RemediationAction.ACCEPT_RISK: frozenset({RemediationState.OPEN, RemediationState.MITIGATED}),
    RemediationAction.FALSE_POSITIVE: frozenset(
        {RemediationState.OPEN, RemediationState.MITIGATED}
    ),
    RemediationAction.REOPEN: frozenset({RemediationState.ACCEPTED_RISK}),
}


def allowed(action: str, state: str) -> bool:
    return state in ALLOWED.get(action, frozenset())


# States whose clock still runs (mitigation does not stop it: the commitment is to patch).
RUNNING_STATES = frozenset({RemediationState.OPEN, RemediationState.MITIGATED})


class ClockStatus(models.TextChoices):
    """The stored verdict of a remediation clock (kept apart from the state of the work)."""

    RUNNING = "running", _("Running")
    PAUSED = "paused", _("Paused")
    MET = "met", _("Met")
    BREACHED = "breached", _("Breached")
    STOPPED = "stopped", _("Not counted")
    NO_COMMITMENT = "none", _("No commitment")


class AuditKind(models.TextChoices):
    AUDIT = "audit", _("Security audit")
    PENTEST = "pentest", _("Penetration test")


class AuditStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    DONE = "done", _("Done")


class Source(models.TextChoices):
    MANUAL = "manual", _("Entered by hand")
    SCANNER = "scanner", _("Scanner import (CSV)")
    OSV = "osv", _("OSV feed")


# Warnings before a remediation deadline, as fractions of the target (then the breach).
WARNING_FRACTIONS: tuple[float, ...] = (0.5, 0.75, 0.9)
# An audit is announced this many days before it falls due.
AUDIT_NOTICE_DAYS = 14


class EventKind(models.TextChoices):
    """What a ``RemediationEvent`` records (security.clocks says what each does to the clock)."""

    REPORTED = "reported", _("Reported")
    MITIGATED = "mitigated", _("Mitigation recorded")
    PATCHED = "patched", _("Patched")
    RISK_ACCEPTED = "risk_accepted", _("Risk accepted by the customer")
    REOPENED = "reopened", _("Reopened")
    FALSE_POSITIVE = "false_positive", _("Marked false positive")
    BREACHED = "breached", _("Deadline missed")
