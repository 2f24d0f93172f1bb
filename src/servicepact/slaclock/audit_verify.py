"""``servicepact audit verify EXPORT.zip``: recompute a month's statement from its audit export.

No database and no Django: the clocks go through ``sla batch`` (the engine), everything else
through ``statement_rules`` (the very functions the product computes the statement with).
Each figure is printed with the statement's value beside it and a marker:

    compliance first_response P1 met/total            2/3             2/3  ok
    credits amount                                 900.00          950.00  DIFFERS

Exit codes: 0 every figure matches; 1 some figure differs; 2 the file is not a readable
export (not a zip, a file missing, bad JSON or CSV; the message names the file and field).
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import io
import json
import sys
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import numpy as np

from servicepact.slaclock import statement_rules as rules
from servicepact.slaclock.calendar import CompiledCalendar
from servicepact.slaclock.cli_batch import run_batch
from servicepact.slaclock.cli_common import CliError, load_calendar, minutes_to_seconds
from servicepact.slaclock.compiler import compile_calendar

EXIT_OK, EXIT_DIFFERS, EXIT_BAD_FILE = 0, 1, 2


class BadExport(Exception):
    """The zip is not a readable audit export (the message names the file and the field)."""


@dataclass(frozen=True)
class Figure:
    name: str
    ours: str
    theirs: str
    numeric: bool = False

    @property
    def matches(self) -> bool:
        if self.numeric and self.ours not in ("–", "") and self.theirs not in ("–", ""):
            try:
                return Decimal(self.ours) == Decimal(self.theirs)
            except InvalidOperation:
                return False
        return self.ours == self.theirs


def _text(value: Any) -> str:
    if value is None or value == "":
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Decimal):
        return f"{value:f}"  # as computed: money keeps its cents
    return str(value)


def _epoch(text: str, where: str) -> int:
    try:
        value = datetime.fromisoformat(text)
    except (TypeError, ValueError):
        raise BadExport(f"{where}: not an ISO-8601 instant: {text!r}") from None
    if value.tzinfo is None:
        raise BadExport(f"{where}: no UTC offset: {text!r}")
    return int(value.timestamp())


def _decimal(text: Any, where: str) -> Decimal:
    try:
        return Decimal(str(text))
    except InvalidOperation:
        raise BadExport(f"{where}: not a decimal number: {text!r}") from None


class Export:
    """The files of an export, read on demand (JSON parsed; errors become BadExport)."""

    def __init__(self, path: str) -> None:
        try:
            self.zip = zipfile.ZipFile(path)
        except (OSError, zipfile.BadZipFile) as exc:
            raise BadExport(f"{path}: not a readable zip file: {exc}") from None
        self.path = path

    def text(self, name: str) -> str:
        try:
            return self.zip.read(name).decode("utf-8")
        except KeyError:
            raise BadExport(f"{self.path}: {name}: missing from the export") from None
        except UnicodeDecodeError:
            raise BadExport(f"{self.path}: {name}: not UTF-8 text") from None

    def json(self, name: str) -> Any:
        try:
            return json.loads(self.text(name))
        except json.JSONDecodeError as exc:
            raise BadExport(f"{self.path}: {name}: not valid JSON: line {exc.lineno}") from None


def field(data: Any, key: str, where: str) -> Any:
    if not isinstance(data, dict) or key not in data:
        raise BadExport(f"{where}: missing field {key!r}")
    return data[key]


# ---------------------------------------------------------------- the clocks


@dataclass(frozen=True)
class Clock:
    id: str
    ticket_id: int
    ticket: str
    metric: int
    priority: int
    version_id: int | None
    stopped: bool
    start: int
    end: int
    target: int
    elapsed: int
    deadline: int

    @property
    def breached(self) -> bool:
        return self.elapsed > self.target


def _batch(export: Export, entry: dict[str, Any], folder: Path) -> dict[str, dict[str, str]]:
    """Run ``sla batch`` on one (calendar, clocks) pair; rows of input and output by id."""
    calendar = str(field(entry, "calendar", "events.json: files[]"))
    clocks = str(field(entry, "clocks", "events.json: files[]"))
    (folder / "cal.json").write_text(export.text(calendar), encoding="utf-8")
    source_text = export.text(clocks)
    (folder / "in.csv").write_text(source_text, encoding="utf-8")
    try:
        # (stderr captured: no progress line naming a temporary file)
        with contextlib.redirect_stderr(io.StringIO()):
            run_batch(
                load_calendar(str(folder / "cal.json")),
                str(folder / "in.csv"),
                str(folder / "out.csv"),
            )
    except CliError as exc:
        raise BadExport(f"{clocks}: {str(exc).replace(str(folder / 'in.csv'), clocks)}") from None
    rows: dict[str, dict[str, str]] = {}
    for row in csv.DictReader(io.StringIO(source_text)):
        rows[row["id"]] = dict(row)
    with (folder / "out.csv").open(newline="", encoding="utf-8") as out:
        for row in csv.DictReader(out):
            rows[row["id"]].update({f"out_{k}": v for k, v in row.items()})
    return rows


def load_clocks(export: Export, events: dict[str, Any]) -> list[Clock]:
    metrics = list(field(events, "metrics", "events.json"))
    rows: dict[str, dict[str, str]] = {}
    with tempfile.TemporaryDirectory(prefix="sp-audit-") as folder:
        for entry in field(events, "files", "events.json"):
            rows.update(_batch(export, entry, Path(folder)))
    clocks = []
    for i, item in enumerate(field(events, "clocks", "events.json")):
        where = f"events.json: clocks[{i}]"
        ident = str(field(item, "id", where))
        row = rows.get(ident)
        if row is None:
            raise BadExport(f"{where}: {ident!r} is in no clocks CSV")
        metric = str(field(item, "metric", where))
        if metric not in metrics:
            raise BadExport(f"{where}: metric: unknown {metric!r}")
        try:
            target = minutes_to_seconds(row["target_minutes"])
            elapsed = minutes_to_seconds(row["out_elapsed_minutes"])
        except ValueError as exc:
            raise BadExport(f"{where}: {exc}") from None
        version = field(item, "version_id", where)
        clocks.append(
            Clock(
                id=ident,
                ticket_id=int(field(item, "ticket_id", where)),
                ticket=str(field(item, "ticket", where)),
                metric=metrics.index(metric),
                priority=int(field(item, "priority", where)),
                version_id=None if version is None else int(version),
                stopped=bool(field(item, "stopped", where)),
                start=_epoch(row["start"], f"{ident}: start"),
                end=_epoch(row["end"], f"{ident}: end"),
                target=target,
                elapsed=elapsed,
                deadline=_epoch(row["out_deadline"], f"{ident}: deadline"),
            )
        )
    return clocks


# ---------------------------------------------------------------- the figures


class Report:
    def __init__(self) -> None:
        self.figures: list[Figure] = []

    def add(self, name: str, ours: Any, theirs: Any, *, numeric: bool = False) -> None:
        self.figures.append(Figure(name, _text(ours), _text(theirs), numeric))

    @property
    def differences(self) -> list[Figure]:
        return [f for f in self.figures if not f.matches]


def _compliance(report: Report, clocks: list[Clock], metrics: list[str], statement: Any) -> None:
    month = rules.MonthClocks(
        metric=np.array([c.metric for c in clocks], dtype=np.int64),
        priority=np.array([c.priority for c in clocks], dtype=np.int64),
        breached=np.array([c.breached for c in clocks], dtype=bool),
        stopped=np.array([c.stopped for c in clocks], dtype=bool),
        elapsed=np.array([c.elapsed for c in clocks], dtype=np.int64),
    )
    ours = rules.compliance(month, metrics)
    theirs = field(statement, "compliance", "statement.json")
    their_rows = {(r["metric"], r["priority"]): r for r in field(theirs, "rows", "compliance")}
    keys = [(r["metric"], r["priority"]) for r in ours["rows"]]
    keys += [k for k in their_rows if k not in keys]
    our_rows = {(r["metric"], r["priority"]): r for r in ours["rows"]}
    for metric, priority in keys:
        mine, their = our_rows.get((metric, priority), {}), their_rows.get((metric, priority), {})
        name = f"compliance {metric} P{priority}"
        report.add(f"{name} met/total", _ratio(mine), _ratio(their))
        report.add(f"{name} %", mine.get("percent"), their.get("percent"), numeric=True)
        report.add(f"{name} mean s", mine.get("mean_seconds"), their.get("mean_seconds"))
        report.add(f"{name} p90 s", mine.get("p90_seconds"), their.get("p90_seconds"))
    their_metrics = {m["metric"]: m for m in field(theirs, "by_metric", "compliance")}
    our_metrics = {m["metric"]: m for m in ours["by_metric"]}
    for metric in sorted(set(their_metrics) | set(our_metrics), key=_order(metrics)):
        mine, their = our_metrics.get(metric, {}), their_metrics.get(metric, {})
        report.add(f"compliance {metric} met/total", _ratio(mine), _ratio(their))
        report.add(
            f"compliance {metric} %", mine.get("percent"), their.get("percent"), numeric=True
        )
    overall = field(theirs, "overall", "compliance")
    report.add("compliance overall met/total", _ratio(ours["overall"]), _ratio(overall))
    report.add(
        "compliance overall %", ours["overall"]["percent"], overall.get("percent"), numeric=True
    )


def _order(metrics: list[str]) -> Callable[[str], int]:
    return lambda m: metrics.index(m) if m in metrics else len(metrics)


def _ratio(row: dict[str, Any]) -> str | None:
    return f"{row['met']}/{row['total']}" if row else None


def _decided_in_period(report: Report, clocks: list[Clock], events: dict[str, Any]) -> None:
    start = _epoch(field(events, "period_start", "events.json"), "events.json: period_start")
    end = _epoch(field(events, "period_end", "events.json"), "events.json: period_end")
    outside = [c.id for c in clocks if not start <= (c.deadline if c.breached else c.end) < end]
    report.add("clocks decided outside the period", len(outside), 0)


@dataclass(frozen=True)
class Availability:
    percent: Decimal | None
    credited: Decimal | None
    force_majeure: int


def _measurer(export: Export, data: dict[str, Any], zones: dict[int, str]) -> rules.MeasureSeconds:
    if data["calendar"] != "coverage":
        return lambda asset, a, b: b - a
    first = date.fromisoformat(str(data["period_start"])[:10]) - timedelta(days=1)
    last = date.fromisoformat(str(data["period_end"])[:10]) + timedelta(days=1)
    compiled: dict[str, CompiledCalendar] = {}
    files = field(data, "coverage_calendars", "availability.json")
    with tempfile.TemporaryDirectory(prefix="sp-audit-") as folder:
        for zone, name in files.items():
            path = Path(folder) / "coverage.json"
            path.write_text(export.text(name), encoding="utf-8")
            try:
                spec = load_calendar(str(path))
            except CliError as exc:
                raise BadExport(f"{name}: {exc}") from None
            compiled[zone] = compile_calendar(spec, date(first.year, 1, 1), date(last.year, 12, 31))

    def measure(asset: int, a: int, b: int) -> int:
        calendar = compiled.get(zones[asset])
        if calendar is None:
            raise BadExport(
                f"availability.json: coverage_calendars: no calendar for {zones[asset]}"
            )
        return calendar.business_seconds_epoch(a, b)

    return measure


def _availability(
    report: Report, export: Export, statement: Any, fm: rules.ForceMajeureRules
) -> Availability:
    data = export.json("availability.json")
    horizon = _epoch(field(data, "horizon", "availability.json"), "availability.json: horizon")
    spans: dict[int, list[tuple[int, int]]] = {}
    zones: dict[int, str] = {}
    names: dict[int, str] = {}
    for i, asset in enumerate(field(data, "assets", "availability.json")):
        where = f"availability.json: assets[{i}]"
        key = int(field(asset, "id", where))
        zones[key], names[key] = str(asset.get("zone", "")), str(asset.get("hostname", key))
        spans[key] = [
            (_epoch(a, f"{where}: covered"), _epoch(b, f"{where}: covered"))
            for a, b in field(asset, "covered", where)
        ]
    outages = [
        rules.OutageSpan(
            id=int(field(o, "id", f"availability.json: outages[{i}]")),
            asset_id=int(field(o, "asset_id", f"availability.json: outages[{i}]")),
            start=_epoch(o["start"], f"availability.json: outages[{i}]: start"),
            end=None if o.get("end") is None else _epoch(o["end"], f"outages[{i}]: end"),
            cause=str(o.get("cause", "")),
            planned=bool(o.get("recorded_planned", False)),
        )
        for i, o in enumerate(field(data, "outages", "availability.json"))
    ]
    windows: dict[int, list[rules.WindowSpan]] = {}
    for i, w in enumerate(field(data, "maintenance_windows", "availability.json")):
        where = f"availability.json: maintenance_windows[{i}]"
        windows.setdefault(int(field(w, "asset_id", where)), []).append(
            rules.WindowSpan(
                _epoch(w["start"], f"{where}: start"),
                _epoch(w["end"], f"{where}: end"),
                int(field(w, "change_id", where)),
            )
        )
    measure = _measurer(export, data, zones)
    measured = sum(
        measure(asset, a, b) for asset, asset_spans in spans.items() for a, b in asset_spans
    )
    slices = rules.downtime_slices(spans, outages, windows, horizon, measure)
    unplanned = sum(s.seconds for s in slices if not s.planned)
    planned = sum(s.seconds for s in slices if s.planned)
    percent = rules.availability_percent(measured, unplanned)
    commitment = data.get("commitment_percent")
    met = rules.availability_met(
        measured, unplanned, None if commitment is None else _decimal(commitment, "commitment")
    )
    excluded = rules.force_majeure_seconds(
        ((s.start, s.end, s.seconds, s.planned) for s in slices), fm
    )
    credited = rules.credited_percent(percent, measured, unplanned, excluded)
    theirs = field(statement, "availability", "statement.json")
    report.add("availability measured seconds", measured, theirs.get("measured_seconds"))
    report.add("availability unplanned seconds", unplanned, theirs.get("unplanned_seconds"))
    report.add("availability planned seconds", planned, theirs.get("planned_seconds"))
    report.add("availability %", percent, theirs.get("percent"), numeric=True)
    report.add("availability commitment met", met, theirs.get("met"))
    report.add("availability force majeure seconds", excluded, theirs.get("force_majeure_seconds"))
    report.add("availability credited %", credited, theirs.get("credited_percent"), numeric=True)
    their_slices = theirs.get("downtime") or []
    report.add("downtime slices", len(slices), len(their_slices))
    for k, (mine, their) in enumerate(zip(slices, their_slices, strict=False)):
        start = datetime.fromtimestamp(mine.start, UTC).isoformat()
        label = f"downtime {names.get(mine.asset_id, mine.asset_id)} {start}"
        report.add(
            f"{label} seconds{' (planned)' if mine.planned else ''}",
            f"{mine.seconds}{' planned' if mine.planned else ''}",
            f"{their.get('seconds')}{' planned' if their.get('planned') else ''}",
        )
        if _epoch(their["start"], f"statement.json: downtime[{k}]") != mine.start:
            report.add(f"{label} start", start, their["start"])
    return Availability(percent, credited, excluded)


def _schedule(data: Any, where: str) -> rules.ScheduleTerms | None:
    if data is None:
        return None
    cap = data.get("cap_percent")
    return rules.ScheduleTerms(
        version_id=int(field(data, "version_id", where)),
        label=str(data.get("label", "")),
        cap_percent=None if cap is None else _decimal(cap, f"{where}: cap_percent"),
        claim_window_days=int(field(data, "claim_window_days", where)),
        tiers=tuple(
            (_decimal(below, f"{where}: tiers"), _decimal(credit, f"{where}: tiers"))
            for below, credit in field(data, "tiers", where)
        ),
        breach={
            (str(b["metric"]), int(b["priority"])): _decimal(
                b["credit_percent"], f"{where}: breach"
            )
            for b in field(data, "breach", where)
        },
    )


def _force_majeure(credits: dict[str, Any]) -> rules.ForceMajeureRules:
    fm = field(credits, "force_majeure", "credits.json")
    return rules.ForceMajeureRules(
        tickets={int(k): str(v) for k, v in field(fm, "tickets", "force_majeure").items()},
        periods=tuple(
            (
                _epoch(p["start"], "credits.json: force_majeure.periods: start"),
                _epoch(p["end"], "credits.json: force_majeure.periods: end"),
                str(p.get("reason", "")),
            )
            for p in field(fm, "periods", "force_majeure")
        ),
    )


def _breaches(
    report: Report,
    clocks: list[Clock],
    metrics: list[str],
    fm: rules.ForceMajeureRules,
    statement: Any,
) -> list[rules.BreachFact]:
    breached = sorted(
        (c for c in clocks if c.breached), key=lambda c: (c.deadline, c.ticket_id, c.metric)
    )
    facts = [
        rules.BreachFact(
            ticket_id=c.ticket_id,
            ticket_number=c.ticket,
            metric=metrics[c.metric],
            priority=c.priority,
            version_id=c.version_id,
            deadline=datetime.fromtimestamp(c.deadline, UTC),
            breached_by_seconds=c.elapsed - c.target,
            excluded_because=fm.reason_for(c.ticket_id, c.start, c.deadline),
        )
        for c in breached
    ]
    theirs = field(statement, "breaches", "statement.json")
    report.add("breaches", len(facts), len(theirs))
    for mine, their in zip(facts, theirs, strict=False):
        name = f"breach {mine.ticket_number} {mine.metric}"
        report.add(f"{name} deadline", mine.deadline.isoformat(), _iso_utc(their.get("deadline")))
        report.add(
            f"{name} breached by s", mine.breached_by_seconds, their.get("breached_by_seconds")
        )
        report.add(
            f"{name} excluded", mine.excluded_because or "", their.get("excluded_because", "")
        )
    return facts


def _iso_utc(text: Any) -> str | None:
    if not text:
        return None
    return datetime.fromtimestamp(_epoch(str(text), "statement.json: deadline"), UTC).isoformat()


def _credits(
    report: Report,
    credits: dict[str, Any],
    availability: Availability,
    breaches: list[rules.BreachFact],
    statement: Any,
) -> None:
    # Exports written before minor units were recorded are in a two-decimal currency.
    places = int(credits.get("minor_units", 2))
    fee = rules.fee_per_month(
        _decimal(field(credits, "fee", "credits.json"), "credits.json: fee"),
        int(field(credits, "fee_period_months", "credits.json")),
        places,
    )
    schedule = _schedule(credits.get("schedule"), "credits.json: schedule")
    schedules = {
        int(k): _schedule(v, f"credits.json: schedules_by_version.{k}")
        for k, v in field(credits, "schedules_by_version", "credits.json").items()
    }
    extra = [
        rules.DraftLine(
            rule=rules.RULE_BREACH,
            description=str(x.get("description", "")),
            percent=_decimal(x["percent"], "credits.json: security_lines: percent"),
            amount=rules.money(
                fee, _decimal(x["percent"], "credits.json: security_lines: percent"), places
            ),
            ticket_number=str(x.get("number", "")),
            metric=str(x.get("metric", "")),
        )
        for x in credits.get("security_lines", [])
    ]
    draft = rules.draft_credit(
        fee=fee,
        schedule=schedule,
        schedules=schedules,
        availability=availability.credited,
        availability_note=rules.availability_note(availability.force_majeure),
        breaches=breaches,
        places=places,
        extra=[
            *extra,
            *(
                rules.DraftLine(
                    rule="kpi",
                    description=str(k.get("description", "")),
                    percent=_decimal(k["percent"], "credits.json: kpi_lines"),
                    amount=rules.money(
                        fee, _decimal(k["percent"], "credits.json: kpi_lines"), places
                    ),
                    metric=str(k.get("metric", "")),
                )
                for k in credits.get("kpi_lines", [])
            ),
        ],
    )
    theirs = field(statement, "credits", "statement.json")
    report.add("credits currency", credits.get("currency"), theirs.get("currency"))
    report.add("credits monthly fee", fee, theirs.get("monthly_fee"), numeric=True)
    their_lines = theirs.get("lines") or []
    report.add("credit lines", len(draft.lines), len(their_lines))
    for mine, their in zip(draft.lines, their_lines, strict=False):
        name = f"credit {mine.rule}{' ' + mine.ticket_number if mine.ticket_number else ''}"
        if mine.metric:
            name += f" {mine.metric}"
        report.add(f"{name} %", mine.percent, their.get("percent"), numeric=True)
        report.add(f"{name} amount", mine.amount, their.get("amount"), numeric=True)
    report.add("credits %", draft.percent, theirs.get("percent"), numeric=True)
    report.add("credits amount (capped)", draft.amount, theirs.get("amount"), numeric=True)
    last_day = date.fromisoformat(str(field(credits, "period_last_day", "credits.json")))
    deadline = None
    if schedule is not None:
        deadline = (last_day + timedelta(days=schedule.claim_window_days)).isoformat()
    report.add("credits claim deadline", deadline, theirs.get("claim_deadline"))


def _kpis(report: Report, export: Export, statement: Any) -> None:
    data = export.json("kpis.json")
    commitments = {
        (str(c["kind"]), str(c.get("severity") or "")): _decimal(c["target"], "kpis.json: target")
        for c in field(data, "commitments", "kpis.json")
        if c["kind"] != "availability"
    }
    measurements = [
        rules.KpiMeasurement(
            kind=str(m["kind"]),
            severity=str(m.get("severity") or ""),
            value=_decimal(m["value"], f"kpis.json: measurements[{i}]: value"),
            met=m.get("met"),
        )
        for i, m in enumerate(field(data, "measurements", "kpis.json"))
        if m["kind"] != "availability"
    ]
    ours = {(r["kind"], r["severity"]): r for r in rules.kpi_rows(commitments, measurements)}
    theirs = {(r["kind"], r["severity"]): r for r in field(statement, "kpis", "statement.json")}
    for key in sorted(set(ours) | set(theirs)):
        mine, their = ours.get(key, {}), theirs.get(key, {})
        name = f"kpi {key[0]}{' ' + key[1] if key[1] else ''}"
        for part in ("measurements", "met", "missed"):
            report.add(f"{name} {part}", mine.get(part), their.get(part))
        for part in ("lowest", "highest", "commitment"):
            report.add(f"{name} {part}", mine.get(part), their.get(part), numeric=True)


HOURS = Decimal("0.01")


def _hours_of(minutes: int) -> Decimal:
    return (Decimal(minutes) / 60).quantize(HOURS, rounding=ROUND_HALF_UP)


def _hours(report: Report, export: Export) -> None:
    """The hours ledger and the month's charge (``hours.json``; exports made before it was
    added have none): balances from the entries, the closed month adding up to zero, the
    consumed and extra hours from the work logs and the scope, the charge's total from its
    lines."""
    if "hours.json" not in export.zip.namelist():
        return
    data = export.json("hours.json")
    where = "hours.json"
    period = str(field(data, "period", where))
    sums: dict[str, Decimal] = {}
    month: dict[str, Decimal] = {}
    for i, entry in enumerate(field(data, "entries", where)):
        hours = _decimal(field(entry, "hours", f"{where}: entries[{i}]"), f"{where}: hours")
        bucket = str(field(entry, "bucket", f"{where}: entries[{i}]"))
        sums[bucket] = sums.get(bucket, Decimal(0)) + hours
        if entry.get("period") == period and bucket == "maintenance":
            kind = str(entry.get("kind"))
            month[kind] = month.get(kind, Decimal(0)) + hours
    balances = field(data, "balances", where)
    for bucket in sorted(set(sums) | set(balances)):
        report.add(
            f"hours balance {bucket}", sums.get(bucket, Decimal(0)), balances.get(bucket),
            numeric=True,
        )  # fmt: skip
    scope = field(data, "scope", where)
    consumed = extra = 0
    extra_groups: dict[tuple[str, str], list[int]] = {}
    for i, log in enumerate(field(data, "work", where)):
        if not field(log, "billable", f"{where}: work[{i}]"):
            continue
        minutes = int(field(log, "minutes", f"{where}: work[{i}]"))
        category = str(log.get("category") or "")
        if scope.get(category, "included") == "included" or not category:
            consumed += minutes
        else:
            extra += minutes
            group = (str(log.get("work_type")), str(log.get("role") or ""))
            group_sums = extra_groups.setdefault(group, [0, 0])
            group_sums[0] += minutes
            group_sums[1] += int(log.get("out_of_hours_minutes") or 0)
    charge = data.get("charge")
    if charge is None:
        return
    report.add(
        "hours month maintenance entries sum", sum(month.values(), Decimal(0)), "0",
        numeric=True,
    )  # fmt: skip
    stated = field(charge, "hours", f"{where}: charge")
    report.add("hours consumed", _hours_of(consumed), stated.get("consumed"), numeric=True)
    report.add("hours extra work", _hours_of(extra), stated.get("extra"), numeric=True)
    report.add(
        "hours overage", month.get("overage", Decimal(0)), stated.get("overage"), numeric=True
    )
    report.add(
        "hours ledger consumed", -month.get("consumed", Decimal(0)), stated.get("consumed"),
        numeric=True,
    )  # fmt: skip
    lines = field(charge, "lines", f"{where}: charge")
    if "rates" in data:  # exports before rates per role carried no rate card
        _extra_work(report, data, extra_groups, lines)
    total = sum(
        (_decimal(field(x, "amount", f"{where}: charge.lines"), f"{where}: amount") for x in lines),
        Decimal(0),
    )
    report.add("charge total", total, charge.get("total"), numeric=True)


def _extra_work(
    report: Report,
    data: dict[str, Any],
    groups: dict[tuple[str, str], list[int]],
    lines: list[dict[str, Any]],
) -> None:
    """The extra-work lines recomputed from the logs and the rate card: per work type and
    role, the role's rate or else the work type's (never both), the out-of-hours minutes at
    the multiplier, each line rounded half up to the currency's minor unit."""
    where = "hours.json"
    rates = {
        (str(r.get("work_type")), str(r.get("role") or "")): _decimal(
            field(r, "hourly_rate", f"{where}: rates"), f"{where}: hourly_rate"
        )
        for r in field(data, "rates", where)
    }
    multiplier = _decimal(field(data, "out_of_hours_multiplier", where), where)
    unit = Decimal(1).scaleb(-int(field(data, "currency_places", where)))
    expected = Decimal(0)
    for (work_type, role), (minutes, ooh) in groups.items():
        rate = rates.get((work_type, role)) if role else None
        if rate is None:
            rate = rates.get((work_type, ""), Decimal(0))
        value = rate * (Decimal(minutes) + (multiplier - 1) * Decimal(ooh)) / 60
        expected += value.quantize(unit, rounding=ROUND_HALF_UP)
    stated = sum(
        (
            _decimal(x.get("amount"), f"{where}: amount")
            for x in lines
            if x.get("kind") == "extra_work"
        ),
        Decimal(0),
    )
    report.add("charge extra work", expected, stated, numeric=True)


def verify(path: str) -> Report:
    export = Export(path)
    events = export.json("events.json")
    statement = export.json("statement.json")
    credits = export.json("credits.json")
    metrics = [str(m) for m in field(events, "metrics", "events.json")]
    report = Report()
    report.add("period", events.get("period"), statement.get("period"))
    clocks = load_clocks(export, events)
    _decided_in_period(report, clocks, events)
    _compliance(report, clocks, metrics, statement)
    fm = _force_majeure(credits)
    availability = _availability(report, export, statement, fm)
    breaches = _breaches(report, clocks, metrics, fm, statement)
    _credits(report, credits, availability, breaches, statement)
    _kpis(report, export, statement)
    _hours(report, export)
    return report


def _lines(report: Report) -> Iterator[str]:
    width = max([len(f.name) for f in report.figures] + [10])
    yield f"{'figure':<{width}}  {'recomputed':>16}  {'statement':>16}"
    for f in report.figures:
        mark = "ok" if f.matches else "DIFFERS"
        yield f"{f.name:<{width}}  {f.ours:>16}  {f.theirs:>16}  {mark}"
    n = len(report.differences)
    yield ""
    yield f"{len(report.figures)} figures, {n} differ{'s' if n == 1 else ''}"


def main(argv: list[str]) -> int:
    """``argv`` excludes the program name and the word "audit"."""
    parser = argparse.ArgumentParser(
        prog="servicepact audit",
        description="recompute a statement from its audit export (no database needed)",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    check = commands.add_parser("verify", help="recompute every figure of the statement")
    check.add_argument("export", help="the audit export zip (audit-<contract>-<period>.zip)")
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else EXIT_BAD_FILE
    try:
        report = verify(args.export)
    except BadExport as exc:
        print(f"audit verify: {exc}", file=sys.stderr)
        return EXIT_BAD_FILE
    except (KeyError, TypeError, ValueError) as exc:
        print(f"audit verify: {args.export}: not a valid export: {exc!r}", file=sys.stderr)
        return EXIT_BAD_FILE
    for line in _lines(report):
        print(line)
    return EXIT_DIFFERS if report.differences else EXIT_OK
