"""The rules of monitoring that produce money: which alerts are downtime, when the downtime
started, which category an incident gets, and which tickets resolve themselves.

Called by the ingestion pipeline (ingest.py); each rule is one small function so the
pipeline stays a sequence of steps (docs/monitoring.md, "Outages", "Incidents").
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime, timedelta

from servicepact.monitoring.choices import AlertStatus
from servicepact.monitoring.models import Alert, AlertSource, normalise_severity
from servicepact.tickets.choices import Category, Status
from servicepact.tickets.models import Ticket

# Tickets auto-resolve may resolve: someone acknowledged them (a bot acknowledgement would
# fake the first-response clock), and they are not waiting on the customer.
RESOLVABLE = (Status.ACKNOWLEDGED, Status.IN_PROGRESS, Status.SOLUTION_PROPOSED)

# An alert annotation that states this alert's own detection delay (wins over the source's).
DELAY_ANNOTATIONS = ("servicepact_detection_delay", "for")
_DURATION = re.compile(r"^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")
MAX_DELAY_SECONDS = 86_400


# ---------------------------------------------------------------- outages


def counts_as_outage(source: AlertSource, priority: int, explicit: bool | None) -> bool:
    """Explicit ``servicepact_outage`` wins; else priorities up to ``outage_max_priority``
    (default 1: down/critical alerts; a warning is not downtime)."""
    if explicit is not None:
        return explicit
    return priority <= source.outage_max_priority


def parse_duration(raw: str) -> int | None:
    """Prometheus-style "5m", "1h30m", "90s" or plain seconds "300"; None if not one."""
    text = str(raw).strip().lower()
    if text.isdigit():
        return int(text)
    match = _DURATION.match(text)
    if not text or match is None:
        return None
    hours, minutes, seconds = (int(g or 0) for g in match.groups())
    return hours * 3600 + minutes * 60 + seconds


def detection_delay(source: AlertSource, annotations: Mapping[str, str]) -> int:
    """Seconds the service was already down when the alert fired: the alert's annotation
    (``servicepact_detection_delay`` or ``for``) if it is a valid duration, else the source's
    ``detection_delay_seconds``. Capped at one day."""
    for key in DELAY_ANNOTATIONS:
        if key in annotations:
            seconds = parse_duration(annotations[key])
            if seconds is not None:
                return min(seconds, MAX_DELAY_SECONDS)
    return min(source.detection_delay_seconds, MAX_DELAY_SECONDS)


def outage_start(
    alert: Alert, source: AlertSource, fired_at: datetime, *, first_episode: bool = False
) -> datetime:
    """When the service really failed: the firing instant minus the detection delay, never
    before the alert's previous resolution (its outages must not overlap). ``first_episode``:
    the alert has no resolution yet (a new alert), nothing to read."""
    start = fired_at - timedelta(seconds=detection_delay(source, alert.annotations or {}))
    previous = (
        alert.transitions.filter(status=AlertStatus.RESOLVED, at__lte=fired_at)
        .order_by("-at")
        .values_list("at", flat=True)
        .first()
        if alert.pk and not first_episode
        else None
    )
    return max(start, previous) if previous is not None else start


# ---------------------------------------------------------------- incidents


def incident_category(source: AlertSource, alert: Alert) -> str:
    """The category of an incident an alert opens. In order: the alert's own
    ``servicepact_category``; the source's ``category_map`` by ``label=value`` (labels in name
    order), then by severity; the source's ``default_category`` ("other": a monitoring alert
    does not say that hardware failed, so no on-site clock starts by default)."""
    if alert.category in Category.values:
        return alert.category
    mapping = {str(k).strip(): v for k, v in (source.category_map or {}).items()}
    for name, value in sorted((alert.labels or {}).items()):
        found = mapping.get(f"{name}={value}")
        if found in Category.values:
            return str(found)
    by_severity = {normalise_severity(k): v for k, v in mapping.items() if "=" not in k}
    found = by_severity.get(normalise_severity(alert.severity))
    if found in Category.values:
        return str(found)
    return source.default_category or Category.OTHER


def may_auto_resolve(ticket: Ticket, source: AlertSource, resolved: Alert) -> bool:
    """Resolve ``ticket`` now that ``resolved`` (of ``source``) stopped firing?

    Only when the source resolves automatically, the ticket is acknowledged and not waiting,
    an alert of this source opened it (a ticket staff opened, or another source's alert
    opened, is only joined: its problem is not known to be over), and none of the ticket's
    alerts, of any source, still fires.
    """
    if not source.auto_resolve or ticket.status not in RESOLVABLE:
        return False
    linked = Alert.objects.filter(ticket=ticket).exclude(pk=resolved.pk)
    opened_here = (
        resolved.opened_ticket
        and resolved.source_id == source.pk
        and resolved.ticket_id == ticket.pk
    ) or linked.filter(source=source, opened_ticket=True).exists()
    return opened_here and not linked.filter(status=AlertStatus.FIRING).exists()
