"""Set-based ingestion: many deliveries (of one or more sources) stored with a few statements.

``ingest_batch`` is the one pipeline behind every delivery: the endpoint's inline path (a
small delivery processed in its request) and the worker draining the inbox (inbox.py). It
gives the same outcome as processing every alert on its own, in order (ingest.py), with:

* one locked read of the known alerts of the whole batch (source, fingerprint);
* one asset match per distinct (source, asset label, hosts), misses cached too;
* the common cases handled in *runs* with bulk writes: a new alert (firing, or an episode
  reported already resolved), a repeat of the state an alert is in (details refreshed,
  deliveries counted), a late copy of an ended episode, the resolution of a firing alert
  that does not start flapping. A run is flushed with one INSERT of the new alerts, one
  UPDATE of the known ones, one INSERT each of transitions, outages, internal notes and
  their ticket events (``tickets.services.add_system_notes``), one read of the open
  incidents of the run's assets; a ticket is opened (with its clocks) only for the first
  new alert of an asset without an open incident, all of them together
  (``tickets.services.open_tickets_many``), the others join it;
* everything else, the decisions that depend on history (an alert firing again: reopen,
  flapping, outage merges; an alert matched only now; auto-resolve; a source whose flapping
  threshold is 2 or less), through ingest.py's per-alert steps, after the run before it is
  flushed, so effects keep the deliveries' order. A fingerprint seen again in the batch
  flushes the run first (its second delivery sees the first's outcome).

Must run inside a transaction (the caller's: a delivery or a batch is stored whole or not).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import Any

from django.db import connection
from django.db.models import F, Q
from django.utils import timezone

from servicepact.assets.models import Asset
from servicepact.core.bulk import concrete_field, insert_instances, insert_rows, update_rows
from servicepact.monitoring import ingest, rules
from servicepact.monitoring.choices import AlertStatus, OutageOrigin
from servicepact.monitoring.ingest import IngestResult
from servicepact.monitoring.matching import HostIndex, Match, match_asset
from servicepact.monitoring.models import Alert, AlertSource, AlertTransition, Outage
from servicepact.monitoring.sources.base import ParsedAlert
from servicepact.tickets import services as ticket_services
from servicepact.tickets import system_notes
from servicepact.tickets.choices import OPEN_STATUSES, TicketKind
from servicepact.tickets.models import Ticket
from servicepact.tickets.system_notes import SystemNote

FIRING, RESOLVED = AlertStatus.FIRING, AlertStatus.RESOLVED

# What a run does with an alert.
NEW_FIRING, NEW_RESOLVED, REFRESH, RESOLVE = "new_firing", "new_resolved", "refresh", "resolve"

# Columns of a known alert a delivery may change (besides receipts and last_received_at).
_DETAILS = (
    "name",
    "severity",
    "priority",
    "summary",
    "description",
    "labels",
    "annotations",
    "url",
    "category",
    "asset",
    "match_note",
    "match_facts",
    "customer",
)


@dataclass
class Delivery:
    source: AlertSource
    alerts: Sequence[ParsedAlert]
    received_at: datetime


@dataclass
class _Item:
    kind: str
    source: AlertSource
    alert: Alert
    moment: datetime
    result: IngestResult
    at: datetime | None = None  # firing instant (new) or resolution instant
    end: datetime | None = None  # NEW_RESOLVED: the reported end
    changed: frozenset[str] = frozenset()  # known alerts: columns to write


@dataclass
class _Batch:
    known: dict[int, dict[str, Alert]] = field(default_factory=lambda: defaultdict(dict))
    matches: dict[int, dict[tuple[str, tuple[str, ...]], Match]] = field(
        default_factory=lambda: defaultdict(dict)
    )
    hosts: dict[int, HostIndex | None] = field(default_factory=dict)  # per source
    recent: dict[int, list[datetime]] = field(default_factory=dict)  # alert id -> transitions
    by_hand: set[int] = field(default_factory=set)  # alerts the per-alert steps changed
    run: list[_Item] = field(default_factory=list)
    run_keys: set[tuple[int, str]] = field(default_factory=set)


def ingest_batch(deliveries: Sequence[Delivery]) -> list[IngestResult]:
    """Stores the deliveries in order; one result per delivery (inside a transaction)."""
    batch = _Batch()
    _load_known(batch, deliveries)
    results = [IngestResult() for _ in deliveries]
    last_used: dict[int, tuple[AlertSource, datetime]] = {}
    for delivery, result in zip(deliveries, results, strict=True):
        source, moment = delivery.source, delivery.received_at
        for parsed in delivery.alerts:
            key = (source.pk, parsed.fingerprint)
            if key in batch.run_keys:
                _flush(batch)
            item = _classify(batch, source, parsed, moment, result)
            if item is not None:
                batch.run.append(item)
                batch.run_keys.add(key)
                continue
            _flush(batch)
            alert = ingest._receive(
                source, parsed, moment, batch.known[source.pk], batch.matches[source.pk]
            )
            batch.by_hand.add(alert.pk)
            _count(result, alert)
        seen = last_used.get(source.pk)
        if seen is None or seen[1] < moment:
            last_used[source.pk] = (source, moment)
    _flush(batch)
    for source, moment in last_used.values():
        AlertSource.objects.filter(pk=source.pk).update(last_used_at=moment)
    return results


def _count(result: IngestResult, alert: Alert) -> None:
    result.accepted += 1
    if alert.asset_id is None:
        result.unmatched += 1
    result.touch(alert.ticket_id)


def _load_known(batch: _Batch, deliveries: Sequence[Delivery]) -> None:
    """One locked read of the batch's known alerts, and the recent transitions of those a
    resolved delivery may resolve (the flapping count)."""
    wanted: dict[int, set[str]] = defaultdict(set)
    resolving: dict[int, set[str]] = defaultdict(set)
    names: dict[int, set[str]] = defaultdict(set)
    for delivery in deliveries:
        for parsed in delivery.alerts:
            wanted[delivery.source.pk].add(parsed.fingerprint)
            names[delivery.source.pk] |= HostIndex.names_of(parsed)
            if parsed.status == RESOLVED:
                resolving[delivery.source.pk].add(parsed.fingerprint)
    if not wanted:
        return
    sources = {d.source.pk: d.source for d in deliveries}
    for source_id, source_names in names.items():
        batch.hosts[source_id] = HostIndex.build(sources[source_id], source_names)
    query = Q()
    for source_id, fingerprints in wanted.items():
        query |= Q(source_id=source_id, fingerprint__in=fingerprints)
    alerts = list(
        Alert.objects.select_for_update(of=("self",)).select_related("asset").filter(query)
    )
    for alert in alerts:
        batch.known[alert.source_id][alert.fingerprint] = alert
    firing = [a for a in alerts if a.status == FIRING and a.fingerprint in resolving[a.source_id]]
    if not firing:
        return
    since = min(a.starts_at - sources[a.source_id].flap_window for a in firing)
    for alert in firing:
        batch.recent[alert.pk] = []
    rows = AlertTransition.objects.filter(alert__in=firing, at__gt=since).values_list(
        "alert_id", "at"
    )
    for alert_id, at in rows:
        batch.recent[alert_id].append(at)


def _match(batch: _Batch, source: AlertSource, parsed: ParsedAlert) -> Match:
    cache = batch.matches[source.pk]
    key = (parsed.asset_hint, parsed.hosts)
    found = cache.get(key)
    if found is None:
        index = batch.hosts.get(source.pk)
        found = index.answer(parsed) if index is not None else None
        if found is None:
            found = match_asset(source, parsed)
        cache[key] = found
    return found


def _classify(
    batch: _Batch, source: AlertSource, parsed: ParsedAlert, moment: datetime, result: IngestResult
) -> _Item | None:
    """The run's step for this alert, or None for the per-alert steps."""
    if source.flap_transitions <= 2:
        return None
    known = batch.known[source.pk]
    alert = known.get(parsed.fingerprint)
    if alert is None:
        match = _match(batch, source, parsed)
        at = ingest._clamp(parsed.starts_at, None, moment)
        alert = Alert(
            source=source,
            fingerprint=parsed.fingerprint,
            asset=match.asset,
            match_note=match.note[:300],
            match_facts=match.facts,
            customer_id=match.asset.customer_id if match.asset else source.customer_id,
            starts_at=at,
            first_received_at=moment,
            receipts=0,
        )
        ingest._refresh_details(alert, source, parsed, moment, True)
        known[parsed.fingerprint] = alert
        if parsed.status == FIRING:
            alert.status = FIRING
            return _Item(NEW_FIRING, source, alert, moment, result, at=at)
        end = ingest._clamp(parsed.ends_at or moment, at, moment)
        alert.status, alert.ends_at = RESOLVED, end
        return _Item(NEW_RESOLVED, source, alert, moment, result, at=at, end=end)
    alert.source = source
    rematch: Match | None = None  # an alert without an asset is matched again
    if alert.asset_id is None:
        rematch = _match(batch, source, parsed)
        if rematch.asset is not None:
            return None  # matched only now: its incident starts where the alert did
    kind = _kind_for_known(batch, source, alert, parsed, moment)
    if kind is None:
        return None
    before = _columns(alert)
    if rematch is not None:
        alert.asset, alert.match_note = None, rematch.note[:300]
        alert.match_facts = rematch.facts
        alert.customer_id = source.customer_id
    ingest._refresh_details(alert, source, parsed, moment, False)
    changed = frozenset(k for k, v in _columns(alert).items() if v != before[k])
    if kind == REFRESH:
        return _Item(REFRESH, source, alert, moment, result, changed=changed)
    at = ingest._clamp(parsed.ends_at or moment, alert.starts_at, moment)
    alert.status, alert.ends_at = RESOLVED, at  # not flapping (checked)
    changed |= {"status", "ends_at"}
    return _Item(RESOLVE, source, alert, moment, result, at=at, changed=changed)


def _columns(alert: Alert) -> dict[str, Any]:
    return {name: getattr(alert, attname) for name, attname in _detail_attnames()}


@cache
def _detail_attnames() -> tuple[tuple[str, str], ...]:
    return tuple((name, concrete_field(Alert, name)[0].attname) for name in _DETAILS)


def _kind_for_known(
    batch: _Batch, source: AlertSource, alert: Alert, parsed: ParsedAlert, moment: datetime
) -> str | None:
    if parsed.status == alert.status:
        return REFRESH  # a repeat: details and the delivery count only
    if parsed.status == FIRING:
        if alert.ends_at and parsed.starts_at <= alert.ends_at:
            return REFRESH  # a late copy of the episode that already ended
        return None  # fires again: reopen, flapping, the previous resolution
    recent = batch.recent.get(alert.pk)
    if source.auto_resolve or alert.flapping or alert.pk in batch.by_hand or recent is None:
        return None
    at = ingest._clamp(parsed.ends_at or moment, alert.starts_at, moment)
    changes = 1 + sum(1 for t in recent if at - source.flap_window < t <= at)
    return RESOLVE if changes < source.flap_transitions else None


# ---------------------------------------------------------------- a run


def _flush(batch: _Batch) -> None:
    run = batch.run
    batch.run, batch.run_keys = [], set()
    if not run:
        return
    notes: list[tuple[Ticket, SystemNote]] = []
    _tickets_for_new(run, notes)
    # Plain rows (COPY on PostgreSQL); the instances get their ids and are then saved ones:
    # the per-alert steps later in the batch update them.
    insert_instances([i.alert for i in run if i.kind in (NEW_FIRING, NEW_RESOLVED)])
    _update_known([i for i in run if i.kind in (REFRESH, RESOLVE)])
    transitions: list[tuple[int, str, datetime, datetime]] = []
    for item in run:
        if item.kind in (NEW_FIRING, NEW_RESOLVED):
            assert item.at is not None
            transitions.append((item.alert.pk, FIRING, item.at, item.moment))
            batch.recent[item.alert.pk] = [item.at]
        if item.kind in (NEW_RESOLVED, RESOLVE):
            end = item.end if item.kind == NEW_RESOLVED else item.at
            assert end is not None
            transitions.append((item.alert.pk, RESOLVED, end, item.moment))
            batch.recent.setdefault(item.alert.pk, []).append(end)
    # Plain rows (COPY on PostgreSQL): no model instances, no per-row field preparation
    # where the value needs none (issue 12: the worker's ratio to a raw INSERT).
    insert_rows(AlertTransition, ("alert", "status", "at", "received_at"), transitions)
    _outages(run)
    _resolution_notes(run, notes)
    ticket_services.add_system_notes(notes=notes)
    for item in run:
        _count(item.result, item.alert)


def _update_known(items: list[_Item]) -> None:
    """Known alerts: one UPDATE per (changed columns, delivery time): the delivery count +1 and
    the reception time for all, the changed columns per row (CASE on the id)."""
    groups: dict[tuple[frozenset[str], datetime], list[Alert]] = defaultdict(list)
    for item in items:
        groups[(item.changed, item.moment)].append(item.alert)
    for (changed, moment), alerts in groups.items():
        if not changed:
            Alert.objects.filter(pk__in=[a.pk for a in alerts]).update(
                receipts=F("receipts") + 1, last_received_at=moment
            )
            continue
        _update_rows(alerts, sorted(changed), moment)


def _update_rows(alerts: list[Alert], names: list[str], moment: datetime) -> None:
    meta, ops = Alert._meta, connection.ops
    fields = [concrete_field(Alert, name) for name in names]
    pk = ops.quote_name(concrete_field(Alert, meta.pk.name)[1])
    receipts = ops.quote_name(concrete_field(Alert, "receipts")[1])
    received, received_column = concrete_field(Alert, "last_received_at")
    limit = connection.features.max_query_params or 65_535
    step = max(1, (limit - 1) // (2 * len(fields) + 1))
    with connection.cursor() as cursor:
        for first in range(0, len(alerts), step):
            chunk = alerts[first : first + step]
            sets, params = [], []
            for f, column in fields:
                # PostgreSQL types CASE results from its first branch: say the column's type.
                value = (
                    f"CAST(%s AS {f.db_type(connection)})"
                    if connection.vendor == "postgresql"
                    else "%s"
                )
                whens = " ".join(f"WHEN %s THEN {value}" for _ in chunk)
                sets.append(f"{ops.quote_name(column)} = CASE {pk} {whens} END")
                for alert in chunk:
                    params += [alert.pk, f.get_db_prep_save(getattr(alert, f.attname), connection)]
            sets.append(f"{receipts} = {receipts} + 1")
            sets.append(f"{ops.quote_name(received_column)} = %s")
            params.append(received.get_db_prep_save(moment, connection))
            ids = ", ".join(["%s"] * len(chunk))
            params += [alert.pk for alert in chunk]
            cursor.execute(
                f"UPDATE {ops.quote_name(meta.db_table)} SET {', '.join(sets)} WHERE {pk} IN ({ids})",
                params,
            )


def _tickets_for_new(run: list[_Item], notes: list[tuple[Ticket, SystemNote]]) -> None:
    """New firing alerts on an asset join its oldest open incident (a note each), or the
    first of them opens one (serialised on the asset row, as ingest.py does; the run's
    incidents opened with one ``open_tickets_many``) and the others join it."""
    by_asset: dict[int, list[_Item]] = defaultdict(list)
    for item in run:
        if item.kind == NEW_FIRING and item.alert.asset_id is not None:
            by_asset[item.alert.asset_id].append(item)
    if not by_asset:
        return
    incidents = _open_incidents(list(by_asset))
    missing = [a for a in by_asset if a not in incidents]
    if missing:
        list(Asset.objects.select_for_update().filter(pk__in=missing).order_by("pk"))
        incidents.update(_open_incidents(missing))
    openers = [items[0] for asset_id, items in by_asset.items() if asset_id not in incidents]
    opened = ticket_services.open_tickets_many(
        [ingest.incident_request(item.alert, item.source) for item in openers]
    )
    for item, ticket in zip(openers, opened, strict=True):
        item.alert.ticket, item.alert.opened_ticket = ticket, True
        assert item.alert.asset_id is not None
        incidents[item.alert.asset_id] = ticket
    for asset_id, items in by_asset.items():
        ticket = incidents[asset_id]
        for item in items:
            alert = item.alert
            if alert.opened_ticket:
                continue
            alert.ticket, alert.opened_ticket = ticket, False
            assert alert.asset is not None and item.at is not None
            notes.append(
                (
                    ticket,
                    system_notes.alert_firing(
                        alert=alert.name,
                        severity=alert.severity,
                        host=alert.asset.hostname,
                        since=item.at,
                    ),
                )
            )


def _open_incidents(asset_ids: list[int]) -> dict[int, Ticket]:
    """Each asset's oldest open incident (one query)."""
    found: dict[int, Ticket] = {}
    rows = Ticket.objects.filter(
        asset_id__in=asset_ids, kind=TicketKind.INCIDENT, status__in=OPEN_STATUSES
    ).order_by("opened_at", "id")
    for ticket in rows:
        if ticket.asset_id is not None:
            found.setdefault(ticket.asset_id, ticket)
    return found


OUTAGE_COLUMNS = (
    "asset", "started_at", "ended_at", "origin", "alert", "ticket", "reason", "reason_note",
    "planned", "merged_into", "recorded_by", "created_at",
)  # fmt: skip


def _outages(run: list[_Item]) -> None:
    created: list[tuple[Any, ...]] = []
    ending: dict[int, datetime] = {}
    created_at = timezone.now()  # what ``auto_now_add`` would store
    for item in run:
        alert = item.alert
        if alert.asset_id is None or not alert.counts_as_outage:
            continue
        if item.kind in (NEW_FIRING, NEW_RESOLVED):
            assert item.at is not None
            start = rules.outage_start(alert, item.source, item.at, first_episode=True)
            end = max(item.end, start) if item.end is not None else None
            # Outage's defaults for what an alert's outage does not set: no reason, not
            # planned, not merged, recorded by the system.
            created.append(
                (alert.asset_id, start, end, OutageOrigin.ALERT, alert.pk, alert.ticket_id,
                 "", {}, False, None, None, created_at)
            )  # fmt: skip
        elif item.kind == RESOLVE:
            assert item.at is not None
            ending[alert.pk] = item.at
    insert_rows(Outage, OUTAGE_COLUMNS, created)
    if not ending:
        return
    still_open = Outage.objects.filter(alert_id__in=ending, ended_at__isnull=True)
    closed = []
    for outage in still_open.only("pk", "alert_id", "started_at"):
        assert outage.alert_id is not None
        outage.ended_at = max(ending[outage.alert_id], outage.started_at)
        closed.append(outage)
    update_rows(closed, ["ended_at"])


def _resolution_notes(run: list[_Item], notes: list[tuple[Ticket, SystemNote]]) -> None:
    """A note on the open ticket of each resolved alert (ingest.py's ``_resolve``)."""
    resolved = [
        i for i in run if i.kind == RESOLVE and i.alert.asset_id and i.alert.ticket_id is not None
    ]
    if not resolved:
        return
    tickets = Ticket.objects.in_bulk([i.alert.ticket_id for i in resolved])
    for item in resolved:
        alert, at = item.alert, item.at
        ticket = tickets.get(alert.ticket_id or 0)
        if ticket is None or not ticket.is_open or at is None:
            continue
        assert alert.asset is not None
        notes.append(
            (
                ticket,
                system_notes.alert_resolved(
                    alert=alert.name, host=alert.asset.hostname, at=at, started=alert.starts_at
                ),
            )
        )
