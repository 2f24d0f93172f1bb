"""Storing a delivery of backup runs, set-based: one query matches every host, one reads the
runs already known, one INSERT adds the new runs and one ``executemany`` updates the known.

A run is matched to an asset by the explicit ``asset`` (id or hostname), else by its host
(exact hostname, case-insensitive, then the short name of an FQDN); scoped to the source's
customer when it has one. Two assets answering to one name leave the run unmatched (kept,
shown on the desk): the code never guesses.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db import connection, transaction
from django.db.models import Q
from django.db.models.functions import Lower

from servicepact.assets.models import Asset
from servicepact.backups.choices import RunStatus
from servicepact.backups.models import BackupRun, BackupSource
from servicepact.backups.sources.base import ParsedRun
from servicepact.core.bulk import db_instants, insert_rows, update_rows

LAST_USED_EVERY = timedelta(minutes=1)
SHORT_CHUNK = 100
_INSERT_FIELDS = (
    "source",
    "run_key",
    "host",
    "asset",
    "location",
    "status",
    "started_at",
    "finished_at",
    "size_bytes",
    "files",
    "snapshot",
    "message",
    "received_at",
)
_INSTANTS = ("started_at", "finished_at", "received_at")
_UPDATE_FIELDS = [
    "host",
    "asset",
    "location",
    "status",
    "started_at",
    "finished_at",
    "size_bytes",
    "files",
    "snapshot",
    "message",
    "received_at",
]


@dataclass
class IngestResult:
    accepted: int = 0
    created: int = 0
    updated: int = 0
    unmatched: int = 0
    unmatched_hosts: list[str] = field(default_factory=list)
    good_assets: set[int] = field(default_factory=set)  # assets with a successful run

    def as_dict(self) -> dict[str, Any]:
        return {
            "accepted": self.accepted,
            "created": self.created,
            "updated": self.updated,
            "unmatched": self.unmatched,
            "unmatched_hosts": self.unmatched_hosts[:20],
        }


def _names(run: ParsedRun) -> list[str]:
    name = (run.asset_hint or run.host).strip().lower()
    out = [name] if name else []
    if name and "." in name and not name.replace(".", "").isdigit():
        out.append(name.split(".", 1)[0])
    return out


class AssetIndex:
    """Every name of a delivery resolved at once: one query for the names as sent and the
    ids (the hostname index); then, for the names it left unresolved only, one with the
    hostnames lower-cased and one for short names of FQDNs (none when all matched)."""

    def __init__(self, source: BackupSource, runs: Iterable[ParsedRun]) -> None:
        given: set[str] = set()
        ids: set[int] = set()
        for run in runs:
            name = (run.asset_hint or run.host).strip()
            if name:
                given.add(name)
                if "." in name:
                    given.add(name.split(".", 1)[0])
            hint = run.asset_hint.strip()
            if hint.isascii() and hint.isdigit() and len(hint) < 19:
                ids.add(int(hint))
        assets = Asset.objects.all()
        if source.customer_id is not None:
            assets = assets.filter(customer_id=source.customer_id)
        self.by_id: set[int] = set()
        self.by_name: dict[str, list[int]] = {}
        self.by_short: dict[str, list[int]] = {}
        if given or ids:
            exact = assets.filter(Q(hostname__in=given) | Q(pk__in=ids)).order_by()
            self._add((pk, host.lower()) for pk, host in exact.values_list("pk", "hostname"))
        names = {n.lower() for n in given}
        missing = sorted(n for n in names if n not in self.by_name and n not in self.by_short)
        if missing:
            lowered = assets.annotate(name=Lower("hostname")).filter(name__in=missing)
            self._add(lowered.order_by().values_list("pk", "name"))
        # Short names no hostname equals ("db01" for db01.example.com): one more query, for
        # those names only, in chunks.
        short = [n for n in missing if "." not in n and n not in self.by_name]
        for first in range(0, len(short), SHORT_CHUNK):
            match = Q()
            for name in short[first : first + SHORT_CHUNK]:
                match |= Q(hostname__istartswith=f"{name}.")
            self._add(
                assets.filter(match).annotate(name=Lower("hostname")).values_list("pk", "name")
            )

    def _add(self, rows: Iterable[tuple[int, str]]) -> None:
        for pk, name in rows:
            if pk in self.by_id:
                continue
            self.by_id.add(pk)
            self.by_name.setdefault(name, []).append(pk)
            if "." in name:
                self.by_short.setdefault(name.split(".", 1)[0], []).append(pk)

    def match(self, run: ParsedRun) -> int | None:
        hint = run.asset_hint.strip()
        if hint.isascii() and hint.isdigit() and int(hint) in self.by_id:
            return int(hint)
        for name in _names(run):
            for table in (self.by_name, self.by_short):
                found = table.get(name, [])
                if len(found) == 1:
                    return found[0]
                if len(found) > 1:
                    return None  # ambiguous: the desk decides
        return None


def _known(source: BackupSource, keys: list[str]) -> dict[str, int]:
    """run id -> pk of the source's runs already stored, with one plain query per 500 ids
    (the ORM's per-value lookup preparation costs more than the query here)."""
    table = connection.ops.quote_name(BackupRun._meta.db_table)
    out: dict[str, int] = {}
    with connection.cursor() as cursor:
        for first in range(0, len(keys), 500):
            chunk = keys[first : first + 500]
            marks = ", ".join(["%s"] * len(chunk))
            cursor.execute(
                f"SELECT run_key, id FROM {table} WHERE source_id = %s AND run_key IN ({marks})",
                [source.pk, *chunk],
            )
            out.update(cursor.fetchall())
    return out


def ingest_runs(
    *, source: BackupSource, runs: list[ParsedRun], received_at: datetime
) -> IngestResult:
    """Stores the runs of one delivery in one transaction (see the module docstring). A run
    id seen twice in the delivery keeps its last report."""
    result = IngestResult()
    latest: dict[str, ParsedRun] = {run.run_key: run for run in runs}
    index = AssetIndex(source, latest.values())
    with transaction.atomic():
        known = _known(source, list(latest))
        new_rows: list[tuple[Any, ...]] = []
        updates: list[BackupRun] = []
        instant = db_instants(BackupRun)  # aware -> the column's text on SQLite, else None
        received = instant(received_at) if instant else received_at
        for key, run in latest.items():
            asset_id = index.match(run)
            if asset_id is None:
                result.unmatched += 1
                if run.host and len(result.unmatched_hosts) < 20:
                    result.unmatched_hosts.append(run.host)
            elif run.status == RunStatus.SUCCEEDED:
                result.good_assets.add(asset_id)
            location = run.location or source.default_location
            values = (
                run.host,
                asset_id,
                location,
                run.status,
                run.started_at,
                run.finished_at,
                run.size_bytes,
                run.files,
                run.snapshot,
                run.message,
                received_at,
            )
            if key in known:
                row = BackupRun(pk=known[key])
                for name, value in zip(_UPDATE_FIELDS, values, strict=True):
                    setattr(row, "asset_id" if name == "asset" else name, value)
                updates.append(row)
            elif instant is None:
                new_rows.append((source.pk, key, *values))
            else:
                started, finished = instant(run.started_at), instant(run.finished_at)
                new_rows.append(
                    (source.pk, key, *values[:4], started, finished, *values[6:10], received)
                )
        if new_rows:
            ready = _INSTANTS if instant is not None else ()
            insert_rows(BackupRun, _INSERT_FIELDS, new_rows, ready=ready)
        if updates:
            update_rows(updates, _UPDATE_FIELDS)
        if source.last_used_at is None or received_at - source.last_used_at >= LAST_USED_EVERY:
            BackupSource.objects.filter(pk=source.pk).update(last_used_at=received_at)
            source.last_used_at = received_at
    result.accepted = len(runs)
    result.created, result.updated = len(new_rows), len(updates)
    return result
