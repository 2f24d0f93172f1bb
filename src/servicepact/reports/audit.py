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
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
from django.utils.text import slugify
from django.utils.translation import gettext as _

from servicepact.billing.clockdata import CLOCK_EVENT_KINDS, METRICS, CalendarUse, ClockSet
from servicepact.billing.facts import CHUNK, period_facts, ticket_rows
from servicepact.billing.periods import Period
from servicepact.contracts.calendars import calendar_json
from servicepact.contracts.models import Contract
from servicepact.core.csvexport import csv_text
from servicepact.core.time import now as current_time
from servicepact.reports.audit_data import period_files
from servicepact.slaclock.cli_common import format_minutes
from servicepact.tickets.clocks import EventFact, clock_events
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


def audit_export(contract: Contract, period: str | Period, *, now: datetime | None = None) -> bytes:
    """The zip for one contract-month (see the module docstring)."""
    month = period if isinstance(period, Period) else Period.parse(period)
    moment = now or current_time()
    facts = period_facts(contract, month, now=moment, with_availability=False)
    clocks = facts.month
    numbers = ticket_rows(clocks.ticket_id.tolist(), "number")
    ids = [
        f"{numbers[int(t)][0]}/{METRICS[int(m)]}"
        for t, m in zip(clocks.ticket_id.tolist(), clocks.metric.tolist(), strict=True)
    ]
    used = sorted({int(i) for i in clocks.calendar_index.tolist()})
    names = _names(clocks.calendars, used)
    several = len(used) > 1
    files: dict[str, str] = {}
    manifest = []
    rows_by_calendar: dict[int, list[int]] = defaultdict(list)
    for row, index in enumerate(clocks.calendar_index.tolist()):
        rows_by_calendar[int(index)].append(row)
    for index in used:
        use = clocks.calendars[index]
        cal_file = f"calendar-{names[index]}.json"
        csv_file = f"clocks-{names[index]}.csv" if several else "clocks.csv"
        files[cal_file] = json.dumps(calendar_json(use.calendar, timezone=use.timezone), indent=2)
        files[csv_file] = _csv(clocks, rows_by_calendar[index], ids, ZoneInfo(use.timezone))
        manifest.append({"calendar": cal_file, "clocks": csv_file, "name": use.label})
    if not used:  # nothing decided: still a valid, empty input on the plan's calendar
        plan_calendar = contract.plan.calendar
        name = slugify(plan_calendar.name) or "calendar"
        files[f"calendar-{name}.json"] = json.dumps(calendar_json(plan_calendar), indent=2)
        files["clocks.csv"] = csv_text(HEADER, [])
        manifest.append(
            {
                "calendar": f"calendar-{name}.json",
                "clocks": "clocks.csv",
                "name": plan_calendar.name,
            }
        )
    events = _events_json(contract, facts.period, facts.cutoff, clocks, ids, names, several)
    events["files"] = manifest
    files["events.json"] = json.dumps(events, indent=2, ensure_ascii=False)
    files.update(period_files(contract, facts, moment))
    files["README.txt"] = _readme(contract, month, manifest)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return buffer.getvalue()


def _csv(clocks: ClockSet, rows: list[int], ids: list[str], zone: ZoneInfo) -> str:
    """Machine-facing (the input of ``sla batch``): core.csvexport's cells, no BOM."""
    return csv_text(HEADER, (_clock_row(clocks, r, ids, zone) for r in rows))


def _clock_row(clocks: ClockSet, r: int, ids: list[str], zone: ZoneInfo) -> tuple[str, ...]:
    pauses = ";".join(f"{_instant(a, zone)}/{_instant(b, zone)}" for a, b in clocks.pause_rows(r))
    return (
        ids[r],
        _instant(int(clocks.start[r]), zone),
        format_minutes(int(clocks.target[r])),
        _instant(int(clocks.end[r]), zone),
        pauses,
    )


def _ticket_events(ticket_ids: list[int], cutoff: datetime) -> dict[int, list[tuple[Any, ...]]]:
    wanted = sorted(set(ticket_ids))
    found: dict[int, list[tuple[Any, ...]]] = defaultdict(list)
    for i in range(0, len(wanted), CHUNK):
        rows = (
            TicketEvent.objects.filter(
                ticket_id__in=wanted[i : i + CHUNK], kind__in=CLOCK_EVENT_KINDS, at__lte=cutoff
            )
            .order_by("ticket_id", "at", "id")
            .values_list("ticket_id", "at", "kind", "data")
        )
        for ticket_id, at, kind, data in rows:
            found[ticket_id].append((at, kind, (data or {}).get("reason", "")))
    return found


def _events_json(
    contract: Contract,
    period: Period,
    cutoff: datetime,
    clocks: ClockSet,
    ids: list[str],
    names: dict[int, str],
    several: bool,
) -> dict[str, Any]:
    events = _ticket_events(clocks.ticket_id.tolist(), cutoff)
    out = []
    for r in range(len(clocks)):
        metric = METRICS[int(clocks.metric[r])]
        index = int(clocks.calendar_index[r])
        timeline = []
        for at, kind, reason in events.get(int(clocks.ticket_id[r]), []):
            effect = clock_events(metric, [EventFact(at=at, kind=kind, reason=reason)])
            timeline.append(
                {
                    "at": at.astimezone(UTC).isoformat(),
                    "event": kind,
                    "clock": str(effect[0].kind) if effect else None,
                    "reason": reason,
                }
            )
        out.append(
            {
                "id": ids[r],
                "ticket_id": int(clocks.ticket_id[r]),
                "ticket": ids[r].rsplit("/", 1)[0],
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
        )
    met = int(np.count_nonzero(~clocks.breached))
    return {
        "contract": contract.number,
        "period": str(period),
        "timezone": contract.customer.timezone,
        "period_start": _utc(int(period.bounds(contract.customer.timezone)[0].timestamp())),
        "period_end": _utc(int(period.bounds(contract.customer.timezone)[1].timestamp())),
        "cutoff": cutoff.astimezone(UTC).isoformat(),
        "metrics": list(METRICS),
        "rule": "a clock counts in the month of its breach instant (breached) or stop (met)",
        "totals": {"met": met, "breached": len(clocks) - met},
        "clocks": out,
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
        "",
        _('The rules are written out in docs/statements.md ("The audit export").'),
        "",
    ]
    return "\n".join(lines)
