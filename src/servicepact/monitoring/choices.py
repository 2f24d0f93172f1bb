from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from servicepact.contracts.choices import KpiKind


class SourceKind(models.TextChoices):
    ALERTMANAGER = "alertmanager", _("Prometheus Alertmanager")
    ZABBIX = "zabbix", _("Zabbix webhook")
    GENERIC = "generic", _("Generic JSON")


class AlertStatus(models.TextChoices):
    FIRING = "firing", _("Firing")
    RESOLVED = "resolved", _("Resolved")


class OutageOrigin(models.TextChoices):
    ALERT = "alert", _("Monitoring alert")
    MANUAL = "manual", _("Recorded by staff")


# Severity (lower-cased, spaces as "_") -> ticket priority. A source's own severity_map wins;
# unknown severities get the source's default_priority. Covers Alertmanager conventions and
# Zabbix's six severities (docs/monitoring.md, "Priorities").
DEFAULT_SEVERITY_PRIORITIES: dict[str, int] = {
    "disaster": 1,
    "critical": 1,
    "down": 1,
    "emergency": 1,
    "page": 1,
    "high": 2,
    "major": 2,
    "error": 2,
    "average": 3,
    "warning": 3,
    "minor": 3,
    "information": 4,
    "info": 4,
    "not_classified": 4,
    "none": 4,
}

# The priority of a ticket opened for a missed measured commitment (severity key "kpi_miss").
KPI_MISS_SEVERITY = "kpi_miss"
DEFAULT_KPI_MISS_PRIORITY = 2

# Measured commitments: how a measurement is judged against its KPI commitment's target.
# "at_most": met when value <= target; "at_least": met when value >= target.
MEASURED_KINDS: dict[str, str] = {
    KpiKind.DDOS_CAPACITY: "at_most",  # attack peak (Gbps) within the contracted mitigation capacity
    KpiKind.BANDWIDTH: "at_least",  # measured bandwidth (Mbps) reaches the guaranteed one
    KpiKind.RPO: "at_most",  # backup age (minutes) within the recovery point objective
    KpiKind.RTO: "at_most",  # restore duration in a drill (minutes) within the RTO
}
