"""Alert ingestion: parsed alerts -> deduplicated Alert rows, transitions, outages, tickets.

The per-alert steps; batch.py runs the common cases of many deliveries with bulk writes and
calls ``_receive`` for the others. For each alert, in order, inside one transaction (a failure
stores nothing):

1. Find the alert by (source, fingerprint) under a row lock, or create it; match an asset if
   it has none yet (matching.py). Unmatched alerts are kept, for triage in the desk.
2. A state change (new firing, or resolution of a firing alert) appends an AlertTransition.
   A repeated delivery of the same state only refreshes details (deduplication). A firing that
   started before the alert's last resolution is a late, stale delivery and changes nothing.
3. Flapping: >= ``flap_transitions`` transitions within ``flap_window_minutes`` mark the alert
   flapping; its recent outages merge into one and ticket comments/auto-resolve are suppressed.
4. On a matched asset: firing opens an outage (if the alert counts as one) and opens an incident
   ticket (channel "monitoring", priority from the source's severity mapping) or joins the
   asset's open incident; resolved closes the outage, comments on the ticket and, if the source
   says so, resolves it when an alert of this source opened it and none of its alerts still
   fires. The rules that produce money (outages, their start, categories, auto-resolve) are
   in rules.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import DateTimeField, F, Q, Value
from django.db.models.functions import Greatest

from servicepact.assets.models import Asset
from servicepact.core.time import now as current_time
from servicepact.monitoring import rules
from servicepact.monitoring.choices import AlertStatus, OutageOrigin
from servicepact.monitoring.matching import Match, match_asset
from servicepact.monitoring.models import Alert, AlertSource, AlertTransition, Outage
from servicepact.monitoring.sources.base import ParsedAlert
from servicepact.tickets import services as ticket_services
from servicepact.tickets import system_notes
from servicepact.tickets.choices import OPEN_STATUSES, Channel, Status, TicketKind
from servicepact.tickets.models import Ticket
from servicepact.tickets.system_notes import SystemNote

FIRING, RESOLVED = AlertStatus.FIRING, AlertStatus.RESOLVED


@dataclass
class IngestResult:
    accepted: int = 0
    unmatched: int = 0
    tickets: list[int] = field(default_factory=list)

    def touch(self, ticket_id: int | None) -> None:
        if ticket_id is not None and ticket_id not in self.tickets:
            self.tickets.append(ticket_id)

    def as_dict(self) -> dict[str, Any]:
        return {"accepted": self.accepted, "tickets": self.tickets, "unmatched": self.unmatched}


def ingest_alerts(
    *, source: AlertSource, alerts: Sequence[ParsedAlert], received_at: datetime | None = None
) -> IngestResult:
    """Stores one delivery in one transaction through the set-based pipeline (batch.py).
    ``received_at``: when the delivery arrived (default now). A concurrent delivery that
    created one of its new alerts first fails the transaction; it is retried once, when that
    alert is known."""
    from servicepact.monitoring.batch import Delivery, ingest_batch  # batch.py builds on this

    delivery = Delivery(source, alerts, received_at or current_time())
    for attempt in (1, 2):
        try:
            with transaction.atomic():
                (result,) = ingest_batch([delivery])
            return result
        except IntegrityError:
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


# ---------------------------------------------------------------- one alert


def _receive(
    source: AlertSource,
    parsed: ParsedAlert,
    moment: datetime,
    known: dict[str, Alert],
    matches: dict[tuple[str, tuple[str, ...]], Match],
) -> Alert:
    alert, created = _known_or_create(source, parsed, moment, known)
    newly_matched = False
    if alert.asset_id is None:
        key = (parsed.asset_hint, parsed.hosts)
        match = matches.get(key)
        if match is None:
            match = matches[key] = match_asset(source, parsed)
        alert.asset = match.asset
        alert.match_note, alert.match_facts = match.note[:300], match.facts
        alert.customer_id = match.asset.customer_id if match.asset else source.customer_id
        newly_matched = match.asset is not None and not created
    _refresh_details(alert, source, parsed, moment, created)
    before = "" if created else alert.status
    if parsed.status == FIRING and before != FIRING:
        if before == RESOLVED and alert.ends_at and parsed.starts_at <= alert.ends_at:
            alert.save()  # a late copy of the episode that already ended: nothing changes
            return alert
        at = _clamp(parsed.starts_at, alert.ends_at if before else None, moment)
        _fire(alert, source, at, moment, first=created)
    elif parsed.status == RESOLVED and before != RESOLVED:
        if created:  # never seen firing: record the episode it reports (outage, no ticket)
            at = _clamp(parsed.starts_at, None, moment)
            _fire(alert, source, at, moment, ticket=False, first=True)
        end = parsed.ends_at or moment
        _resolve(alert, source, _clamp(end, alert.starts_at, moment), moment)
    elif newly_matched and alert.status == FIRING:
        # Matched only now (an asset was added since): the incident starts where the alert did.
        fire_effects(alert, source, alert.starts_at)
    alert.save()
    return alert


def _known_or_create(
    source: AlertSource, parsed: ParsedAlert, moment: datetime, known: dict[str, Alert]
) -> tuple[Alert, bool]:
    alert = known.get(parsed.fingerprint)
    created = alert is None
    if alert is None:
        try:
            with transaction.atomic():  # a concurrent delivery may create it first
                alert = Alert.objects.create(
                    source=source,
                    fingerprint=parsed.fingerprint,
                    name=parsed.name[:200],
                    priority=source.priority_for(parsed.severity),
                    status=parsed.status,
                    starts_at=min(parsed.starts_at, moment),
                    first_received_at=moment,
                    last_received_at=moment,
                    receipts=0,
                )
        except IntegrityError:
            alert = Alert.objects.select_for_update().get(
                source=source, fingerprint=parsed.fingerprint
            )
            created = False
        known[parsed.fingerprint] = alert
    alert.source = source
    return alert, created


def _refresh_details(
    alert: Alert, source: AlertSource, parsed: ParsedAlert, moment: datetime, created: bool
) -> None:
    alert.name = parsed.name[:200]
    alert.severity = parsed.severity[:40]
    alert.priority = source.priority_for(parsed.severity)
    alert.summary = parsed.summary[:500]
    alert.description = parsed.description
    alert.labels = parsed.labels
    alert.annotations = parsed.annotations
    alert.url = parsed.url[:1000]
    alert.category = parsed.category[:16]
    alert.last_received_at = moment
    alert.receipts += 1
    if created:
        alert.counts_as_outage = rules.counts_as_outage(
            source, alert.priority, parsed.counts_as_outage
        )


def _clamp(at: datetime, lower: datetime | None, upper: datetime) -> datetime:
    """Sender clocks drift: an instant is never in the future nor before the previous one."""
    at = min(at, upper)
    return max(at, lower) if lower is not None else at


# ---------------------------------------------------------------- transitions


def _transition(
    alert: Alert, status: str, at: datetime, moment: datetime, *, first: bool = False
) -> bool:
    """Appends the transition; returns whether the alert is now flapping."""
    AlertTransition.objects.create(alert=alert, status=status, at=at, received_at=moment)
    alert.status = status
    window_start = at - alert.source.flap_window
    recent = (
        1  # a new alert's first firing: nothing to count
        if first
        else AlertTransition.objects.filter(alert=alert, at__gt=window_start, at__lte=at).count()
    )
    was_flapping = alert.flapping
    alert.flapping = recent >= alert.source.flap_transitions
    if alert.flapping and not was_flapping and alert.ticket is not None:
        _comment(
            alert.ticket,
            system_notes.alert_flapping(
                alert=alert.name, changes=recent, minutes=alert.source.flap_window_minutes
            ),
        )
    return alert.flapping


def _fire(
    alert: Alert,
    source: AlertSource,
    at: datetime,
    moment: datetime,
    *,
    ticket: bool = True,
    first: bool = False,
) -> None:
    alert.starts_at, alert.ends_at = at, None
    _transition(alert, FIRING, at, moment, first=first)
    if alert.asset_id is not None:
        fire_effects(alert, source, at, ticket=ticket)


def fire_effects(alert: Alert, source: AlertSource, at: datetime, *, ticket: bool = True) -> None:
    """A firing alert on a matched asset: the incident ticket, then the outage."""
    if ticket:
        _ticket_for_firing(alert, source, at)
    if not alert.counts_as_outage:
        return
    if alert.flapping:
        _merge_outages(alert, at, still_down=True)
    else:
        Outage.objects.create(
            asset=_matched_asset(alert),
            started_at=rules.outage_start(alert, source, at),
            origin=OutageOrigin.ALERT,
            alert=alert,
            ticket_id=alert.ticket_id,
        )


def _resolve(alert: Alert, source: AlertSource, at: datetime, moment: datetime) -> None:
    alert.ends_at = at
    flapping = _transition(alert, RESOLVED, at, moment)
    if alert.asset_id is None:
        return
    if alert.counts_as_outage:
        Outage.objects.filter(alert=alert, ended_at__isnull=True).update(
            ended_at=Greatest(Value(at, output_field=DateTimeField()), F("started_at"))
        )
        if flapping:
            _merge_outages(alert, at, still_down=False)
    ticket = alert.ticket
    if ticket is None or not ticket.is_open or flapping:
        return
    _comment(
        ticket,
        system_notes.alert_resolved(
            alert=alert.name, host=_matched_asset(alert).hostname, at=at, started=alert.starts_at
        ),
    )
    if rules.may_auto_resolve(ticket, source, alert):
        ticket_services.resolve_ticket(
            ticket=ticket,
            actor=None,
            # The customer reads the resolution: no alert name (the internal note has it).
            resolution="Resolved automatically: the monitoring alert cleared.",
        )


def _merge_outages(alert: Alert, at: datetime, *, still_down: bool) -> None:
    """Flapping: the alert's outages that ended within the window become the first of them."""
    series = list(
        Outage.objects.filter(alert=alert, merged_into__isnull=True)
        .filter(Q(ended_at__isnull=True) | Q(ended_at__gte=at - alert.source.flap_window))
        .order_by("started_at", "id")
    )
    if not series:
        series = [
            Outage.objects.create(
                asset=_matched_asset(alert),
                started_at=at,
                origin=OutageOrigin.ALERT,
                alert=alert,
                ticket_id=alert.ticket_id,
            )
        ]
    keep, rest = series[0], series[1:]
    keep.ended_at = None if still_down else max(at, keep.started_at)
    merged = system_notes.outage_flapping_merged()
    keep.reason, keep.reason_note = merged.english(), merged.as_data()
    keep.ticket_id = keep.ticket_id or alert.ticket_id
    keep.save(update_fields=["ended_at", "reason", "reason_note", "ticket"])
    Outage.objects.filter(pk__in=[o.pk for o in rest]).update(merged_into=keep)


# ---------------------------------------------------------------- tickets


def _comment(ticket: Ticket, note: SystemNote) -> None:
    """An internal note: alert names, labels and sources are for staff, never for contacts."""
    ticket_services.add_system_notes(notes=[(ticket, note)])


def _ticket_for_firing(alert: Alert, source: AlertSource, at: datetime) -> None:
    """Join the alert's own open ticket, reopen it after a quick recurrence, join the asset's
    open incident, or open a new incident."""
    ticket = alert.ticket
    if ticket is not None and ticket.is_open:
        if not alert.flapping:
            _comment(ticket, system_notes.alert_firing_again(alert=alert.name, since=at))
        return
    if ticket is not None and ticket.status == Status.RESOLVED and _recurs_quickly(alert, at):
        alert.ticket = ticket_services.reopen_ticket(
            ticket=ticket,
            actor=None,
            reason=system_notes.SystemNote(
                system_notes.ALERT_REOPENED, {"alert": alert.name, "at": at.isoformat()}
            ),
        )
        return
    asset = _matched_asset(alert)
    existing = _open_incident_of(asset.pk)
    if existing is None:
        # Two deliveries for one asset must not open two incidents: serialise on the asset
        # row, then look again (the other may have committed one meanwhile).
        Asset.objects.select_for_update().filter(pk=asset.pk).order_by().first()
        existing = _open_incident_of(asset.pk)
    if existing is not None:
        alert.ticket, alert.opened_ticket = existing, False
        _comment(
            existing,
            system_notes.alert_firing(
                alert=alert.name, severity=alert.severity, host=asset.hostname, since=at
            ),
        )
        return
    alert.ticket, alert.opened_ticket = _open_incident(alert, source), True


def _matched_asset(alert: Alert) -> Asset:
    """The alert's asset: tickets and outages follow only a matched alert (callers check)."""
    if alert.asset is None:
        raise ValueError(f"alert {alert.fingerprint} has no asset")
    return alert.asset


def _open_incident_of(asset_id: int) -> Ticket | None:
    return (
        Ticket.objects.filter(asset_id=asset_id, kind=TicketKind.INCIDENT, status__in=OPEN_STATUSES)
        .order_by("opened_at", "id")
        .first()
    )


def _recurs_quickly(alert: Alert, at: datetime) -> bool:
    """Did the alert resolve within the flapping window before firing again at ``at``?"""
    return alert.transitions.filter(
        status=RESOLVED, at__gte=at - alert.source.flap_window, at__lte=at
    ).exists()


def _open_incident(alert: Alert, source: AlertSource) -> Ticket:
    return ticket_services.open_tickets_many([incident_request(alert, source)])[0]


def incident_request(alert: Alert, source: AlertSource) -> ticket_services.OpenRequest:
    """The incident a firing alert opens on its asset (``tickets.services.OpenRequest``)."""
    asset = alert.asset
    assert asset is not None
    lines = [
        alert.summary,
        alert.description,
        "",
        f"Source: {source.name} ({source.get_kind_display()})",
        f"Severity: {alert.severity or '-'} -> P{alert.priority}",
        f"Firing since: {alert.starts_at.isoformat()}",
        f"Fingerprint: {alert.fingerprint}",
        "Labels: " + ", ".join(f"{k}={v}" for k, v in sorted(alert.labels.items())),
    ]
    if alert.url:
        lines.append(f"Link: {alert.url}")
    return ticket_services.OpenRequest(
        customer=asset.customer,
        asset=asset,
        subject=f"{alert.name} on {asset.hostname}"[:200],
        description="\n".join(line for line in lines if line is not None).strip(),
        channel=Channel.MONITORING,
        category=rules.incident_category(source, alert),
        kind=TicketKind.INCIDENT,
        impact=alert.priority,
        urgency=alert.priority,
        priority=alert.priority,
    )
