"""The audit export: a month's clocks in exactly the input format of ``servicepact sla batch``.

A zip with, per calendar the clocks use (a calendar applied in a site's zone is its own
calendar file):

* ``calendar-<name>.json``: the engine's JSON calendar (weekly hours, holidays, overrides,
  dated versions), as ``servicepact sla`` reads it;
* ``clocks.csv`` (``clocks-<name>.csv`` when there are several calendars): header
  ``id,start,target_minutes,end,pauses``, one row per clock the statement counts;

and ``events.json`` (every clock with its ticket events, pauses and the provider's result)
plus ``README.txt`` with the commands. The rest of what the statement is computed from
(availability, credits, KPIs, the statement itself) comes from ``reports.audit_data``;
``servicepact audit verify EXPORT.zip`` recomputes every figure from the zip alone. ``end`` is the stop, or the cut-off for a clock still
running there but already breached; ``pauses`` are the waits on the customer and, for a
reopened ticket, the time it was closed — every interval the clock did not count.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import IO, Any, BinaryIO, Protocol
from zoneinfo import ZoneInfo

import numpy as np
from django.utils.text import slugify
from django.utils.translation import gettext as _

from servicepact.billing.clockdata import CalendarUse, ClockSet
from servicepact.billing.facts import CHUNK, period_facts, ticket_rows
from servicepact.billing.periods import Period
from servicepact.contracts.calendars import calendar_json
from servicepact.contracts.metrics import MetricDef, load_metrics
from servicepact.contracts.models import Contract
from servicepact.core.csvexport import csv_text, write_rows
from servicepact.core.time import now as current_time
from servicepact.reports.audit_data import period_files
from servicepact.slaclock.cli_common import format_minutes
from servicepact.tickets.clocks import clock_event_kinds, event_effect
from servicepact.tickets.models import TicketEvent

HEADER = ("id", "start", "target_minutes", "end", "pauses")


def _instant(seconds: int, zone: ZoneInfo) -> str:
    return datetime.fromtimestamp(int(seconds), zone).isoformat()


def _names(uses: list[CalendarUse], used: list[int]) -> dict[int, str]:
    """A file-name part per calendar index, unique and readable."""
    names: dict[int, str] = {}
    for index in used:
        use = uses[index]
        base = slugify(use.calendar.name) or f"calendar-{use.calendar.pk}"
        if use.timezone != use.calendar.timezone:
            base = f"{base}-{slugify(use.timezone.replace('/', '-'))}"
        name, k = base, 2
        while name in names.values():
            name, k = f"{base}-{k}", k + 1
        names[index] = name
    return names


ROWS_PER_STEP = CHUNK  # clock rows written between two progress reports (and DB reads)


class ExportSink(Protocol):
    """What ``zipfile`` writes into: it flushes at the end; it does not close a sink it was
    given (typeshed's ``ZipFile`` asks for ``close`` all the same)."""

    def write(self, data: bytes, /) -> int: ...
    def flush(self) -> None: ...
    def close(self) -> None: ...


@dataclass(frozen=True)
class Progress:
    """Rows written so far: every clock is one CSV row and one entry of events.json."""

    done: int
    total: int


def audit_export(contract: Contract, period: str | Period, *, now: datetime | None = None) -> bytes:
    """The zip for one contract-month in memory (tests and the CLI; see the module docstring).
    Pages and the worker use ``write_audit_export``/``stream_audit_export`` instead."""
    buffer = io.BytesIO()
    for _step in write_audit_export(contract, period, buffer, now=now):
        pass
    return buffer.getvalue()


def stream_audit_export(
    contract: Contract, period: str | Period, *, now: datetime | None = None
) -> Iterator[bytes]:
    """The zip as chunks of bytes, for a streamed response: the month's clocks are decided
    before the first chunk (errors there still answer a 500 page), then at most
    ``ROWS_PER_STEP`` rows are held at a time. The zip has data descriptors (no seeking)."""
    pipe = _Pipe()
    steps = write_audit_export(contract, period, pipe, now=now)
    next(steps)  # the facts are loaded: nothing written yet

    def chunks() -> Iterator[bytes]:
        for _step in steps:
            if pipe.pending:
                yield pipe.drain()
        if pipe.pending:
            yield pipe.drain()

    return chunks()


class _Pipe:
    """A write-only, unseekable sink: zipfile then writes data descriptors."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []
        self.pending = 0

    def write(self, data: bytes, /) -> int:
        self.parts.append(bytes(data))
        self.pending += len(data)
        return len(data)

    def flush(self) -> None:
        pass

    def close(self) -> None:
        pass

    def drain(self) -> bytes:
        data = b"".join(self.parts)
        self.parts, self.pending = [], 0
        return data


def write_audit_export(
    contract: Contract,
    period: str | Period,
    sink: ExportSink | BinaryIO,
    *,
    now: datetime | None = None,
) -> Iterator[Progress]:
    """Write the zip for one contract-month into ``sink`` (a file, a storage file, a pipe),
    member by member, clocks in chunks of ``ROWS_PER_STEP``: nothing holds all the rows.

    A generator: it yields ``Progress`` once the month's clocks are decided (done=0) and
    after every chunk; the zip is complete when it is exhausted. What stays in memory for the
    whole run is the month's ``ClockSet`` (numpy columns, a few dozen bytes per clock, which
    the statement is computed from) and the per-contract files (availability, credits, KPIs,
    the statement)."""
    month = period if isinstance(period, Period) else Period.parse(period)
    moment = now or current_time()
    facts = period_facts(contract, month, now=moment, with_availability=False)
    clocks = facts.month
    total = 2 * len(clocks)
    yield Progress(0, total)
    done = 0
    calendar_index = clocks.calendar_index
    used = sorted({int(i) for i in np.unique(calendar_index).tolist()})
    names = _names(clocks.calendars, used)
    several = len(used) > 1
    manifest = []
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for index in used:
            use = clocks.calendars[index]
            cal_file = f"calendar-{names[index]}.json"
            csv_file = f"clocks-{names[index]}.csv" if several else "clocks.csv"
            archive.writestr(
                cal_file, json.dumps(calendar_json(use.calendar, timezone=use.timezone), indent=2)
            )
            rows = np.flatnonzero(calendar_index == index)
            zone = ZoneInfo(use.timezone)
            with archive.open(csv_file, "w", force_zip64=True) as member:
                member.write(csv_text(HEADER, []).encode())
                for i in range(0, rows.size, ROWS_PER_STEP):
                    chunk = rows[i : i + ROWS_PER_STEP].tolist()
                    ids = _clock_ids(clocks, chunk)
                    out = io.StringIO()
                    write_rows(out, (_clock_row(clocks, r, ids[r], zone) for r in chunk))
                    member.write(out.getvalue().encode())
                    done += len(chunk)
                    yield Progress(done, total)
            manifest.append({"calendar": cal_file, "clocks": csv_file, "name": use.label})
        if not used:  # nothing decided: still a valid, empty input on the plan's calendar
            plan_calendar = contract.plan.calendar
            name = slugify(plan_calendar.name) or "calendar"
            archive.writestr(
                f"calendar-{name}.json", json.dumps(calendar_json(plan_calendar), indent=2)
            )
            archive.writestr("clocks.csv", csv_text(HEADER, []))
            manifest.append(
                {
                    "calendar": f"calendar-{name}.json",
                    "clocks": "clocks.csv",
                    "name": plan_calendar.name,
                }
            )
        with archive.open("events.json", "w", force_zip64=True) as member:
            for written in _write_events_json(
                member, contract, facts.period, facts.cutoff, clocks, names, several, manifest
            ):
                done += written
                yield Progress(done, total)
        for name, text in period_files(contract, facts, moment).items():
            archive.writestr(name, text)
        archive.writestr("README.txt", _readme(contract, month, manifest))
    yield Progress(total, total)


def _clock_ids(clocks: ClockSet, rows: list[int]) -> dict[int, str]:
    """``{row: "<ticket number>/<metric>"}`` for some rows (one query per chunk of tickets)."""
    numbers = ticket_rows((int(clocks.ticket_id[r]) for r in rows), "number")
    return {
        r: f"{numbers[int(clocks.ticket_id[r])][0]}/{clocks.metrics[int(clocks.metric[r])]}"
        for r in rows
    }


def _clock_row(clocks: ClockSet, r: int, clock_id: str, zone: ZoneInfo) -> tuple[str, ...]:
    """One row of ``clocks.csv``, machine-facing (the input of ``sla batch``):
    core.csvexport's cells, no BOM."""
    pauses = ";".join(f"{_instant(a, zone)}/{_instant(b, zone)}" for a, b in clocks.pause_rows(r))
    return (
        clock_id,
        _instant(int(clocks.start[r]), zone),
        format_minutes(int(clocks.target[r])),
        _instant(int(clocks.end[r]), zone),
        pauses,
    )


def _ticket_events(
    ticket_ids: list[int], cutoff: datetime, kinds: tuple[str, ...]
) -> dict[int, list[tuple[Any, ...]]]:
    """The clock events (``kinds``) up to the cut-off of a chunk of tickets (at most CHUNK
    ids)."""
    found: dict[int, list[tuple[Any, ...]]] = defaultdict(list)
    rows = (
        TicketEvent.objects.filter(
            ticket_id__in=sorted(set(ticket_ids)), kind__in=kinds, at__lte=cutoff
        )
        .order_by("ticket_id", "at", "id")
        .values_list("ticket_id", "at", "kind", "data")
    )
    for ticket_id, at, kind, data in rows.iterator(chunk_size=CHUNK):
        found[ticket_id].append((at, kind, (data or {}).get("reason", "")))
    return found


def _indented(value: Any, depth: int) -> str:
    """``value`` as ``json.dumps(..., indent=2)`` writes it ``depth`` levels deep."""
    return json.dumps(value, indent=2, ensure_ascii=False).replace("\n", "\n" + "  " * depth)


def _write_events_json(
    member: IO[bytes],
    contract: Contract,
    period: Period,
    cutoff: datetime,
    clocks: ClockSet,
    names: dict[int, str],
    several: bool,
    manifest: list[dict[str, str]],
) -> Iterator[int]:
    """events.json, byte for byte what ``json.dumps(document, indent=2, ensure_ascii=False)``
    writes, but the ``clocks`` list one chunk at a time; yields the clocks written."""
    met = int(np.count_nonzero(~clocks.breached))
    start, end = period.bounds(contract.customer.timezone)
    rules = load_metrics()
    kinds = clock_event_kinds(rules.values())
    head = {
        "contract": contract.number,
        "period": str(period),
        "timezone": contract.customer.timezone,
        "period_start": _utc(int(start.timestamp())),
        "period_end": _utc(int(end.timestamp())),
        "cutoff": cutoff.astimezone(UTC).isoformat(),
        "metrics": list(clocks.metrics),
        "rule": "a clock counts in the month of its breach instant (breached) or stop (met)",
        "totals": {"met": met, "breached": len(clocks) - met},
    }

    def put(text: str) -> None:
        member.write(text.encode())

    put("{" + ",".join(f"\n  {_indented(k, 1)}: {_indented(v, 1)}" for k, v in head.items()))
    put(',\n  "clocks": [' if len(clocks) else ',\n  "clocks": []')
    for i in range(0, len(clocks), ROWS_PER_STEP):
        rows = list(range(i, min(i + ROWS_PER_STEP, len(clocks))))
        ids = _clock_ids(clocks, rows)
        events = _ticket_events([int(clocks.ticket_id[r]) for r in rows], cutoff, kinds)
        put(
            "".join(
                ("\n    " if r == 0 else ",\n    ")
                + _indented(_clock_json(clocks, r, ids[r], events, names, several, rules), 2)
                for r in rows
            )
        )
        yield len(rows)
    if len(clocks):
        put("\n  ]")
    put(f',\n  "files": {_indented(manifest, 1)}\n}}')


def _clock_json(
    clocks: ClockSet,
    r: int,
    clock_id: str,
    events: dict[int, list[tuple[Any, ...]]],
    names: dict[int, str],
    several: bool,
    rules: dict[str, MetricDef],
) -> dict[str, Any]:
    metric = clocks.metrics[int(clocks.metric[r])]
    rule = rules[metric]
    index = int(clocks.calendar_index[r])
    timeline = []
    for at, kind, reason in events.get(int(clocks.ticket_id[r]), []):
        timeline.append(
            {
                "at": at.astimezone(UTC).isoformat(),
                "event": kind,
                "clock": event_effect(rule, kind),
                "reason": reason,
            }
        )
    return {
        "id": clock_id,
        "ticket_id": int(clocks.ticket_id[r]),
        "ticket": clock_id.rsplit("/", 1)[0],
        "version_id": None if clocks.version_id[r] < 0 else int(clocks.version_id[r]),
        "metric": metric,
        "priority": int(clocks.priority[r]),
        "calendar": f"calendar-{names[index]}.json",
        "csv": f"clocks-{names[index]}.csv" if several else "clocks.csv",
        "start": _utc(int(clocks.start[r])),
        "end": _utc(int(clocks.end[r])),
        "stopped": bool(clocks.stop[r] != -1),
        "target_seconds": int(clocks.target[r]),
        "pauses": [[_utc(a), _utc(b)] for a, b in clocks.pause_rows(r)],
        "events": timeline,
        "result": {
            "elapsed_seconds": int(clocks.elapsed[r]),
            "breached": bool(clocks.breached[r]),
            "breached_at": _utc(int(clocks.deadline[r])) if clocks.breached[r] else None,
        },
    }


def _utc(seconds: int) -> str:
    return datetime.fromtimestamp(seconds, UTC).isoformat()


def _readme(contract: Contract, month: Period, manifest: list[dict[str, str]]) -> str:
    """README.txt in the active language (the commands and file names stay as they are)."""
    lines = [
        _("Audit export of %(contract)s for %(month)s.")
        % {"contract": contract.number, "month": month},
        "",
        _("Recompute every clock with the SLA engine, without ServicePact's database:"),
        "",
    ]
    for entry in manifest:
        out = entry["clocks"].replace(".csv", "-result.csv")
        lines.append(
            f"  servicepact sla batch --calendar {entry['calendar']} --input {entry['clocks']} "
            f"--output {out}"
        )
    lines += [
        "",
        _(
            "Count breached=true and breached=false: they are the statement's breached and met\n"
            "figures. events.json lists each clock's ticket events, pauses and our result."
        ),
        "",
        _(
            "Recompute the whole statement (compliance, availability, credits with the cap, KPIs)\n"
            "from this zip alone, again without our database:"
        ),
        "",
        f"  servicepact audit verify audit-{contract.number}-{month}.zip",
        "",
        _(
            "It prints every figure with the statement's value beside it and exits 0 when all\n"
            "match, 1 when any differs. The files it reads:"
        ),
        "",
        _(
            "  events.json        the clocks (metric, priority, ticket, contract version, stopped)\n"
            "  availability.json  covered assets and spans, outages (origin, source, start, end,\n"
            "                     planned/unplanned seconds), approved maintenance windows,\n"
            "                     the measurement calendar rule (24x7 or coverage), commitment\n"
            "  coverage-*.json    the coverage calendar per zone (coverage rule only)\n"
            "  credits.json       fee, currency, credit schedule in force (tiers, cap, claim\n"
            "                     window), per-breach credits per contract version, force majeure\n"
            "  kpis.json          KPI commitments and the month's measurements\n"
            "  statement.json     the statement's own figures, for comparison"
        ),
        _("  hours.json         the hours ledger, the month's work logs and its charge"),
        "",
        _('The rules are written out in docs/statements.md ("The audit export").'),
        "",
    ]
    return "\n".join(lines)
