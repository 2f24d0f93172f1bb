"""The statement's arithmetic, as pure functions: the ONE copy of each rule.

The product (``reports.statement``, ``billing.credits``, ``billing.availability``,
``monitoring.availability``) and ``servicepact audit verify`` (which has no database) both
call these, so a customer's recomputation cannot drift from the provider's. Inputs are
plain values: epoch seconds (UTC, whole seconds), ``Decimal`` money and percentages,
numpy arrays of clocks. docs/statements.md states the rules in words.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any

import numpy as np

TWO = Decimal("0.01")
CENT = Decimal("0.01")
HUNDRED = Decimal(100)
FOUR_PLACES = Decimal("0.0001")
PRIORITIES = (1, 2, 3, 4)

Array = np.ndarray[Any, Any]


# ---------------------------------------------------------------- compliance


def percent(met: int, total: int) -> str | None:
    """met / total as a percentage with two decimals (half up); None when nothing counted."""
    if total == 0:
        return None
    return str((Decimal(100 * met) / Decimal(total)).quantize(TWO, rounding=ROUND_HALF_UP))


def nearest_rank(values: Array, fraction: float) -> int | None:
    """The ceil(fraction * n)-th smallest value (nearest-rank percentile)."""
    if values.size == 0:
        return None
    rank = max(1, math.ceil(fraction * values.size))
    return int(np.partition(values, rank - 1)[rank - 1])


def mean_seconds(values: Array) -> int | None:
    """The mean of whole seconds, rounded half up to a whole second."""
    if values.size == 0:
        return None
    total = Decimal(int(values.sum()))
    return int((total / values.size).quantize(Decimal(1), rounding=ROUND_HALF_UP))


@dataclass(frozen=True)
class MonthClocks:
    """The clocks a month's statement counts (one entry per clock, decided in the month)."""

    metric: Array  # index into ``metrics``
    priority: Array
    breached: Array  # bool
    stopped: Array  # bool: stopped by the cut-off (only these count in mean / p90)
    elapsed: Array  # business seconds (to the stop, or to the cut-off)


def compliance(
    clocks: MonthClocks,
    metrics: Sequence[str],
    *,
    metric_label: Callable[[str], str] = str,
    target_seconds: Callable[[int, str], int | None] = lambda p, m: None,
) -> dict[str, Any]:
    """Met / total, mean and p90 per (metric, priority), per metric and overall."""
    rows, by_metric = [], []
    met_all = breached_all = 0
    for code, metric in enumerate(metrics):
        in_metric = clocks.metric == code
        met_m = breached_m = 0
        for p in PRIORITIES:
            cell = in_metric & (clocks.priority == p)
            if not cell.any():
                continue
            met = int((cell & ~clocks.breached).sum())
            breached = int((cell & clocks.breached).sum())
            times = clocks.elapsed[cell & clocks.stopped]
            rows.append(
                {
                    "metric": metric,
                    "metric_label": metric_label(metric),
                    "priority": p,
                    "met": met,
                    "breached": breached,
                    "total": met + breached,
                    "percent": percent(met, met + breached),
                    "mean_seconds": mean_seconds(times),
                    "p90_seconds": nearest_rank(times, 0.9),
                    "target_seconds": target_seconds(p, metric),
                }
            )
            met_m, breached_m = met_m + met, breached_m + breached
        if met_m + breached_m:
            by_metric.append(
                {
                    "metric": metric,
                    "metric_label": metric_label(metric),
                    "met": met_m,
                    "breached": breached_m,
                    "total": met_m + breached_m,
                    "percent": percent(met_m, met_m + breached_m),
                }
            )
        met_all, breached_all = met_all + met_m, breached_all + breached_m
    return {
        "rows": rows,
        "by_metric": by_metric,
        "overall": {
            "met": met_all,
            "breached": breached_all,
            "total": met_all + breached_all,
            "percent": percent(met_all, met_all + breached_all),
        },
    }


# ---------------------------------------------------------------- availability

Span = tuple[int, int]  # [start, end) epoch seconds
MeasureSeconds = Callable[[int, int, int], int]  # (asset id, start, end) -> measured seconds


@dataclass(frozen=True)
class OutageSpan:
    id: int
    asset_id: int
    start: int
    end: int | None  # None: still down
    cause: str
    planned: bool = False  # recorded as planned (a manual outage): all of it is planned


@dataclass(frozen=True)
class WindowSpan:
    start: int
    end: int
    change_id: int


@dataclass(frozen=True)
class Slice:
    asset_id: int
    start: int
    end: int
    seconds: int  # measured seconds (on the measurement calendar)
    planned: bool
    cause: str
    change_id: int | None
    outage_id: int = 0


def merge_spans(spans: Iterable[Span]) -> list[Span]:
    merged: list[Span] = []
    for a, b in sorted(spans):
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(b, merged[-1][1]))
        else:
            merged.append((a, b))
    return merged


def disjoint_outages(
    outages: Iterable[OutageSpan], horizon: int
) -> list[tuple[int, int, OutageSpan]]:
    """Overlapping outages of one asset count once: the earlier one claims the overlap."""
    pieces: list[tuple[int, int, OutageSpan]] = []
    cursor: int | None = None
    for outage in sorted(outages, key=lambda o: (o.start, o.id)):
        start = outage.start if cursor is None else max(outage.start, cursor)
        end = min(horizon if outage.end is None else outage.end, horizon)
        if start < end:
            pieces.append((start, end, outage))
        cursor = end if cursor is None else max(cursor, end)
    return pieces


def disjoint_windows(windows: Iterable[WindowSpan]) -> list[WindowSpan]:
    out: list[WindowSpan] = []
    for window in sorted(windows, key=lambda w: (w.start, w.change_id)):
        start = max(window.start, out[-1].end) if out else window.start
        if start < window.end:
            out.append(WindowSpan(start, window.end, window.change_id))
    return out


def split_at_windows(
    start: int, end: int, windows: Sequence[WindowSpan]
) -> list[tuple[int, int, int | None]]:
    """[start, end) cut at the window edges; parts inside a window carry its change."""
    parts: list[tuple[int, int, int | None]] = []
    t = start
    for window in windows:
        if window.end <= t:
            continue
        if window.start >= end:
            break
        if window.start > t:
            parts.append((t, window.start, None))
            t = window.start
        stop = min(window.end, end)
        parts.append((t, stop, window.change_id))
        t = stop
        if t >= end:
            break
    if t < end:
        parts.append((t, end, None))
    return parts


def downtime_slices(
    spans: Mapping[int, Sequence[Span]],
    outages: Iterable[OutageSpan],
    windows: Mapping[int, Iterable[WindowSpan]],
    horizon: int,
    measure: MeasureSeconds,
) -> list[Slice]:
    """Each asset's outages clipped to its covered spans, split into planned (inside an
    approved change window) and unplanned parts, measured; by (start, asset)."""
    by_asset: dict[int, list[OutageSpan]] = {}
    for outage in outages:
        if outage.asset_id in spans:
            by_asset.setdefault(outage.asset_id, []).append(outage)
    slices: list[Slice] = []
    for asset_id, asset_outages in by_asset.items():
        asset_windows = disjoint_windows(windows.get(asset_id, []))
        for start, end, outage in disjoint_outages(asset_outages, horizon):
            for a, b in spans[asset_id]:
                s, e = max(start, a), min(end, b)
                if s >= e:
                    continue
                for ps, pe, change_id in split_at_windows(s, e, asset_windows):
                    slices.append(
                        Slice(
                            asset_id=asset_id,
                            start=ps,
                            end=pe,
                            seconds=measure(asset_id, ps, pe),
                            planned=change_id is not None or outage.planned,
                            cause=outage.cause,
                            change_id=change_id,
                            outage_id=outage.id,
                        )
                    )
    slices.sort(key=lambda s: (s.start, s.asset_id))
    return slices


def availability_percent(measured: int, unplanned: int) -> Decimal | None:
    """100 * (1 - unplanned / measured), truncated (never rounded up) to 4 decimals."""
    if measured <= 0:
        return None
    exact = Fraction(measured - unplanned, measured) * 100
    return (Decimal(math.floor(exact * 10_000)) / 10_000).quantize(FOUR_PLACES)


def availability_met(measured: int, unplanned: int, commitment: Decimal | None) -> bool | None:
    """The exact fraction against the commitment (None: nothing measured or no commitment)."""
    if measured <= 0 or commitment is None:
        return None
    return Fraction(measured - unplanned, measured) * 100 >= Fraction(commitment)


# ---------------------------------------------------------------- force majeure


@dataclass(frozen=True)
class ForceMajeureRules:
    tickets: dict[int, str]  # ticket id -> reason
    periods: tuple[tuple[int, int, str], ...]  # [start, end) epoch seconds, reason

    def reason_for(self, ticket_id: int, opened: int, breached_at: int) -> str | None:
        """Why a breach is excluded: its ticket is flagged, or the ticket was opened or the
        breach fell inside a flagged period. None: it counts."""
        if ticket_id in self.tickets:
            return self.tickets[ticket_id]
        for start, end, reason in self.periods:
            if start <= opened < end or start <= breached_at < end:
                return reason
        return None

    def overlap_seconds(self, start: int, end: int) -> int:
        """Wall-clock seconds of [start, end) inside flagged periods (periods may overlap)."""
        cuts = sorted(
            (max(a, start), min(b, end)) for a, b, _ in self.periods if a < end and b > start
        )
        total, reach = 0, start
        for a, b in cuts:
            a = max(a, reach)
            if b > a:
                total += b - a
                reach = b
        return total


def force_majeure_seconds(
    slices: Iterable[tuple[int, int, int, bool]], rules: ForceMajeureRules
) -> int:
    """Unplanned measured seconds inside flagged periods: each (start, end, seconds, planned)
    slice gives its measured seconds in proportion to its wall time inside a period."""
    excluded = 0
    for start, end, seconds, planned in slices:
        if planned:
            continue
        inside = rules.overlap_seconds(start, end)
        if inside and end > start:
            excluded += seconds * inside // (end - start)
    return excluded


def credited_percent(
    percent_measured: Decimal | None, measured: int, unplanned: int, excluded: int
) -> Decimal | None:
    """Availability for the credit rules: force-majeure downtime taken out (half up, 4
    decimals); the measured percentage itself when nothing is excluded."""
    if not excluded or not measured:
        return percent_measured
    ratio = Decimal(max(0, unplanned - excluded)) / Decimal(measured)
    return (100 * (1 - ratio)).quantize(FOUR_PLACES, rounding=ROUND_HALF_UP)


# ---------------------------------------------------------------- credits


@dataclass(frozen=True)
class ScheduleTerms:
    """A credit schedule as plain values (what the credit rules need)."""

    version_id: int
    label: str  # "ACME-1 v2": where the numbers come from
    cap_percent: Decimal | None
    claim_window_days: int
    tiers: tuple[tuple[Decimal, Decimal], ...] = ()  # (below %, credit %), most severe first
    breach: dict[tuple[str, int], Decimal] = field(default_factory=dict)


@dataclass(frozen=True)
class BreachFact:
    ticket_id: int
    ticket_number: str
    metric: str
    priority: int
    version_id: int | None
    deadline: datetime
    breached_by_seconds: int
    excluded_because: str | None = None  # force majeure reason
    subject: str = ""  # the ticket's, for the statement's "cause"
    category: str = ""


@dataclass(frozen=True)
class DraftLine:
    rule: str
    description: str
    percent: Decimal
    amount: Decimal
    ticket_id: int | None = None
    ticket_number: str = ""
    metric: str = ""
    priority: int | None = None
    excluded: bool = False
    exclusion_reason: str = ""


@dataclass(frozen=True)
class CreditDraft:
    monthly_fee: Decimal
    lines: tuple[DraftLine, ...]

    @property
    def percent(self) -> Decimal:
        return sum((line.percent for line in self.lines), Decimal("0"))

    @property
    def amount(self) -> Decimal:
        return sum((line.amount for line in self.lines), Decimal("0.00"))


RULE_AVAILABILITY, RULE_BREACH, RULE_CAP = "availability", "breach", "cap"


def unit(places: int) -> Decimal:
    """The currency's minor unit from its number of decimal places (JPY 0 -> 1, USD 2 -> 0.01)."""
    return Decimal(1).scaleb(-places)


def fee_per_month(fee: Decimal, months: int, places: int = 2) -> Decimal:
    """The fee of one month: a quarterly fee / 3, a yearly fee / 12, rounded half up to the
    currency's minor unit (``places`` decimals: the cent, the yen)."""
    return (fee / months).quantize(unit(places), rounding=ROUND_HALF_UP)


def money(fee: Decimal, pct: Decimal, places: int = 2) -> Decimal:
    """``pct`` % of ``fee``, rounded half up to the currency's minor unit."""
    return (fee * pct / HUNDRED).quantize(unit(places), rounding=ROUND_HALF_UP)


def plain(value: Decimal) -> str:
    """240.0000 -> '240', 99.9500 -> '99.95' (never '2.4E+2')."""
    return f"{value.normalize():f}"


def availability_line(
    schedule: ScheduleTerms | None,
    availability: Decimal | None,
    fee: Decimal,
    note: str = "",
    places: int = 2,
) -> DraftLine | None:
    """The tier the month's availability falls into (the lowest threshold it is below)."""
    if schedule is None or availability is None:
        return None
    matched = [(below, credit) for below, credit in schedule.tiers if availability < below]
    if not matched:
        return None
    below, credit = min(matched)
    text = (
        f"availability {plain(availability)} % below {plain(below)} % -> {plain(credit)} % "
        f"(schedule {schedule.label})"
    )
    return DraftLine(
        rule=RULE_AVAILABILITY,
        description=f"{text}; {note}" if note else text,
        percent=credit,
        amount=money(fee, credit, places),
    )


def breach_lines(
    schedules: Mapping[int, ScheduleTerms | None],
    breaches: Iterable[BreachFact],
    fee: Decimal,
    metric_label: Callable[[str], str] = str,
    places: int = 2,
) -> list[DraftLine]:
    """One line per breach the ticket's schedule pays for, in the order given."""
    lines = []
    for b in breaches:
        schedule = schedules.get(b.version_id) if b.version_id is not None else None
        credit = None if schedule is None else schedule.breach.get((b.metric, b.priority))
        if credit is None or schedule is None:
            continue
        rule = (
            f"P{b.priority} {metric_label(b.metric)} breach: {plain(credit)} % per breach "
            f"(schedule {schedule.label})"
        )
        excluded = b.excluded_because is not None
        lines.append(
            DraftLine(
                rule=RULE_BREACH,
                description=rule,
                percent=Decimal("0") if excluded else credit,
                amount=unit(places) * 0 if excluded else money(fee, credit, places),
                ticket_id=b.ticket_id,
                ticket_number=b.ticket_number,
                metric=b.metric,
                priority=b.priority,
                excluded=excluded,
                exclusion_reason=b.excluded_because or "",
            )
        )
    return lines


def cap_line(
    schedule: ScheduleTerms | None, lines: list[DraftLine], fee: Decimal, places: int = 2
) -> DraftLine | None:
    if schedule is None or schedule.cap_percent is None:
        return None
    total = sum((line.percent for line in lines), Decimal("0"))
    if total <= schedule.cap_percent:
        return None
    amount = sum((line.amount for line in lines), Decimal("0.00"))
    cap = schedule.cap_percent
    return DraftLine(
        rule=RULE_CAP,
        description=(
            f"cap {plain(cap)} % of the monthly fee: {plain(total)} % reduced to {plain(cap)} % "
            f"(schedule {schedule.label})"
        ),
        percent=cap - total,
        amount=money(fee, cap, places) - amount,
    )


def draft_credit(
    *,
    fee: Decimal,
    schedule: ScheduleTerms | None,
    schedules: Mapping[int, ScheduleTerms | None],
    availability: Decimal | None,
    availability_note: str,
    breaches: Iterable[BreachFact],
    metric_label: Callable[[str], str] = str,
    places: int = 2,
    kpi_lines: Iterable[DraftLine] = (),
) -> CreditDraft:
    """All lines of a month: availability tier, breaches, then the cap (``schedule`` is the
    one in force at the end of the month: it gives the tiers and the cap). Amounts are
    rounded to the currency's minor unit (``places`` decimals)."""
    lines: list[DraftLine] = []
    tier = availability_line(schedule, availability, fee, availability_note, places)
    if tier is not None:
        lines.append(tier)
    lines.extend(breach_lines(schedules, breaches, fee, metric_label, places))
    lines.extend(kpi_lines)  # commitments measured elsewhere (RPO, drills: backups.statement)
    cap = cap_line(schedule, lines, fee, places)
    if cap is not None:
        lines.append(cap)
    return CreditDraft(monthly_fee=fee, lines=tuple(lines))


def availability_note(force_majeure: int) -> str:
    return f"{force_majeure} s of force-majeure downtime excluded" if force_majeure else ""


# ---------------------------------------------------------------- other KPIs


@dataclass(frozen=True)
class KpiMeasurement:
    kind: str
    severity: str
    value: Decimal
    met: bool | None


def kpi_rows(
    commitments: Mapping[tuple[str, str], Decimal],
    measurements: Iterable[KpiMeasurement],
    *,
    label: Callable[[str], str] = str,
    unit: Callable[[str], str] = lambda kind: "",
    unmeasured: Iterable[str] = (),
) -> list[dict[str, Any]]:
    """One row per (kind, severity) committed or measured: count, met, missed, range;
    ``measured`` is false for kinds nothing measures yet (neither met nor missed)."""
    not_measured = frozenset(unmeasured)
    seen: dict[tuple[str, str], list[KpiMeasurement]] = {}
    for m in measurements:
        seen.setdefault((m.kind, m.severity), []).append(m)
    out = []
    for key in sorted(set(commitments) | set(seen)):
        kind, severity = key
        rows = seen.get(key, [])
        values = [m.value for m in rows]
        target = commitments.get(key)
        out.append(
            {
                "kind": kind,
                "label": label(kind),
                "severity": severity,
                "unit": unit(kind),
                "commitment": None if target is None else plain(target),
                "measurements": len(rows),
                "met": sum(1 for m in rows if m.met is True),
                "missed": sum(1 for m in rows if m.met is False),
                "lowest": plain(min(values)) if values else None,
                "highest": plain(max(values)) if values else None,
                "measured": kind not in not_measured,
            }
        )
    return out
