"""Measured availability per contract and month (docs/monitoring.md, "Availability").

    availability = 1 - unplanned downtime / measured time

* Month: the customer's local calendar month [local midnight of the 1st, of the next 1st);
  the current month is measured up to now.
* Measurement calendar: the availability commitment's ``measurement_calendar`` — "24x7"
  (every second counts) or "coverage" (the plan's calendar, applied in the asset site's time
  zone, else the customer's; only open seconds count, via CompiledCalendar.business_seconds).
  Without a commitment: 24x7.
* Measured time: for each asset on a contract line that month, the measurement-calendar seconds
  of the part of the month its line (and the contract's term, grace included) covers, summed.
  With every asset covered all month this is "calendar seconds in the month x assets".
* Downtime: the asset's outages (alerts and manual records), clipped to that same coverage;
  overlapping outages of one asset count once (the earlier one claims the overlap). Parts
  inside an approved (or done) change window of that asset, and outages staff recorded as
  planned, are planned and excluded.
* The percentage is truncated (never rounded up) to 4 decimals; ``met`` compares the exact
  fraction with the commitment.

The interface reports and credits code against is docs/availability-interface.md.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction

from django.db.models import Q

from servicepact.assets.models import Asset, ContractLine
from servicepact.changes.selectors import Window, approved_windows
from servicepact.contracts.calendars import compiled_calendar
from servicepact.contracts.choices import KpiKind, MeasurementCalendar
from servicepact.contracts.models import Contract, KpiCommitment
from servicepact.contracts.terms import version_in_force
from servicepact.core.errors import DomainValidationError
from servicepact.core.time import local_date, local_midnight
from servicepact.core.time import now as current_time
from servicepact.monitoring.models import Outage
from servicepact.monitoring.selectors import outages_for

Span = tuple[datetime, datetime]
Measure = Callable[[Asset, datetime, datetime], int]


@dataclass(frozen=True)
class DowntimeSlice:
    asset_id: int
    hostname: str
    start: datetime  # clipped to the period, aware UTC
    end: datetime
    seconds: int  # measured seconds (on the measurement calendar)
    planned: bool  # inside an approved maintenance window
    cause: str  # "alert <fingerprint>" | "ticket SP-000123" | "manual: <reason>"
    change_id: int | None  # the approved change that made it planned


@dataclass(frozen=True)
class AvailabilityResult:
    contract_id: int
    period: str  # "YYYY-MM" (local month in the customer's time zone)
    calendar: str  # "24x7" or "coverage"
    measured_seconds: int  # measurement-calendar seconds in the month x covered assets
    unplanned_downtime_seconds: int
    planned_downtime_seconds: int
    availability_percent: Decimal | None  # 100 * (1 - unplanned / measured), 4 decimals
    commitment_percent: Decimal | None  # the contract's availability KPI in force, if any
    met: bool | None
    slices: tuple[DowntimeSlice, ...]


_PERIOD = re.compile(r"(\d{4})-(0[1-9]|1[0-2])")


def parse_period(text: str) -> tuple[int, int]:
    """ "2025-06" -> (2025, 6); anything else is a DomainValidationError on ``period``."""
    match = _PERIOD.fullmatch(text)
    # Years stop before 9999 so that "the month after" always exists.
    if match is None or not 1900 <= int(match.group(1)) < 9999:
        raise DomainValidationError({"period": [f"expected YYYY-MM, got {text!r}"]})
    return int(match.group(1)), int(match.group(2))


def contract_availability(contract: Contract, year: int, month: int) -> AvailabilityResult:
    tz = contract.customer.timezone
    first = date(year, month, 1)
    after = date(year + month // 12, month % 12 + 1, 1)
    period_start = local_midnight(first, tz).astimezone(UTC)
    period_end = local_midnight(after, tz).astimezone(UTC)
    horizon = min(period_end, current_time())  # the current month is measured to date
    commitment = _commitment(contract, period_start, period_end)
    calendar = commitment.measurement_calendar if commitment else MeasurementCalendar.ALWAYS
    spans = _covered_spans(contract, first, after, horizon)
    measure = _measurer(contract, calendar, first, after)
    measured = sum(
        measure(asset, a, b) for asset, asset_spans in spans.items() for a, b in asset_spans
    )
    slices = _slices(spans, period_start, horizon, measure)
    unplanned = sum(s.seconds for s in slices if not s.planned)
    planned = sum(s.seconds for s in slices if s.planned)
    percent, met = None, None
    if measured > 0:
        exact = Fraction(measured - unplanned, measured) * 100
        percent = (Decimal(math.floor(exact * 10_000)) / 10_000).quantize(Decimal("0.0001"))
        if commitment is not None:
            met = exact >= Fraction(commitment.target)
    return AvailabilityResult(
        contract_id=contract.pk,
        period=f"{year:04d}-{month:02d}",
        calendar=str(calendar),
        measured_seconds=measured,
        unplanned_downtime_seconds=unplanned,
        planned_downtime_seconds=planned,
        availability_percent=percent,
        commitment_percent=commitment.target if commitment else None,
        met=met,
        slices=tuple(slices),
    )


def _commitment(contract: Contract, start: datetime, end: datetime) -> KpiCommitment | None:
    """The availability KPI of the version in force when the month starts (or, for a contract
    starting within the month, of its first version)."""
    version = version_in_force(contract, start) or (
        contract.versions.filter(effective_from__lt=end).order_by("effective_from").first()
    )
    if version is None:
        return None
    return version.kpis.filter(kind=KpiKind.AVAILABILITY).first()


def _term_days(contract: Contract) -> tuple[date, date] | None:
    """Local dates the contract covers: its term plus grace, up to termination; none if draft."""
    if contract.activated_at is None:
        return None
    last = contract.end_date + timedelta(days=contract.grace_days)
    if contract.terminated_on is not None:
        last = min(last, contract.terminated_on - timedelta(days=1))
    return contract.start_date, last


def _covered_spans(
    contract: Contract, first: date, after: date, horizon: datetime
) -> dict[Asset, list[Span]]:
    """Per covered asset, the instants of the month its contract line covers (merged)."""
    term = _term_days(contract)
    spans: dict[Asset, list[Span]] = defaultdict(list)
    if term is None:
        return spans
    tz = contract.customer.timezone
    lines = (
        ContractLine.objects.filter(contract=contract, start_date__lt=after)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=first))
        .select_related("asset", "asset__site")
        .order_by("asset_id", "start_date")
    )
    for line in lines:
        d0 = max(line.start_date, first, term[0])
        d1 = min(line.end_date or date.max, after - timedelta(days=1), term[1])
        if d0 > d1:
            continue
        # In UTC: subtracting two datetimes of one zone would give wall-clock time (DST).
        a = local_midnight(d0, tz).astimezone(UTC)
        b = min(local_midnight(d1 + timedelta(days=1), tz).astimezone(UTC), horizon)
        if a < b:
            spans[line.asset].append((a, b))
    return {asset: _union(asset_spans) for asset, asset_spans in spans.items()}


def _union(spans: list[Span]) -> list[Span]:
    merged: list[Span] = []
    for a, b in sorted(spans):
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(b, merged[-1][1]))
        else:
            merged.append((a, b))
    return merged


def _measurer(contract: Contract, calendar: str, first: date, after: date) -> Measure:
    if calendar != MeasurementCalendar.COVERAGE:
        return lambda asset, a, b: int(b.timestamp() - a.timestamp())
    plan_calendar = contract.plan.calendar
    compiled: dict[str, object] = {}

    def measure(asset: Asset, a: datetime, b: datetime) -> int:
        # The plan's hours apply in the asset's site zone (else the customer's).
        zone = asset.site.timezone if asset.site_id else contract.customer.timezone
        if zone not in compiled:
            compiled[zone] = compiled_calendar(
                plan_calendar, timezone=zone, first=first, last=after
            )
        return int(compiled[zone].business_seconds(a, b))  # type: ignore[attr-defined]

    return measure


def _slices(
    spans: dict[Asset, list[Span]], period_start: datetime, horizon: datetime, measure: Measure
) -> list[DowntimeSlice]:
    if not spans:
        return []
    by_id = {asset.pk: asset for asset in spans}
    outages: dict[int, list[Outage]] = defaultdict(list)
    for outage in outages_for(list(by_id), period_start, horizon):
        outages[outage.asset_id].append(outage)
    windows = approved_windows(list(outages), period_start, horizon)
    slices: list[DowntimeSlice] = []
    for asset_id, asset_outages in outages.items():
        asset = by_id[asset_id]
        asset_windows = _disjoint_windows(windows.get(asset_id, []))
        for start, end, outage in _disjoint_outages(asset_outages, horizon):
            for a, b in spans[asset]:
                s, e = max(start, a), min(end, b)
                if s >= e:
                    continue
                for ps, pe, change_id in _split(s, e, asset_windows):
                    slices.append(
                        DowntimeSlice(
                            asset_id=asset_id,
                            hostname=asset.hostname,
                            start=ps.astimezone(UTC),
                            end=pe.astimezone(UTC),
                            seconds=measure(asset, ps, pe),
                            planned=change_id is not None or outage.planned,
                            cause=outage.cause,
                            change_id=change_id,
                        )
                    )
    slices.sort(key=lambda s: (s.start, s.asset_id))
    return slices


def _disjoint_outages(
    outages: list[Outage], horizon: datetime
) -> list[tuple[datetime, datetime, Outage]]:
    """Overlapping outages of one asset count once: the earlier one claims the overlap."""
    pieces: list[tuple[datetime, datetime, Outage]] = []
    cursor: datetime | None = None
    for outage in sorted(outages, key=lambda o: (o.started_at, o.pk)):
        start = outage.started_at if cursor is None else max(outage.started_at, cursor)
        end = min(outage.ended_at or horizon, horizon)
        if start < end:
            pieces.append((start, end, outage))
        cursor = end if cursor is None else max(cursor, end)
    return pieces


def _disjoint_windows(windows: list[Window]) -> list[Window]:
    out: list[Window] = []
    for window in sorted(windows, key=lambda w: (w.start, w.change_id)):
        start = max(window.start, out[-1].end) if out else window.start
        if start < window.end:
            out.append(Window(start, window.end, window.change_id))
    return out


def _split(
    start: datetime, end: datetime, windows: list[Window]
) -> list[tuple[datetime, datetime, int | None]]:
    """[start, end) cut at the window edges; parts inside a window carry its change."""
    parts: list[tuple[datetime, datetime, int | None]] = []
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


# ---------------------------------------------------------------- recent months for the contract pages
# Used by the desk and the portal alike (the two apps may not import each other).


@dataclass(frozen=True)
class MonthAvailability:
    first: date  # the 1st of the local month
    current: bool  # the month is still running (measured to now)
    result: AvailabilityResult

    @property
    def has_commitment(self) -> bool:
        return self.result.commitment_percent is not None

    @property
    def calendar_label(self) -> str:
        return str(MeasurementCalendar(self.result.calendar).label)

    @property
    def downtime_seconds(self) -> int:
        return self.result.unplanned_downtime_seconds + self.result.planned_downtime_seconds


def previous_month(first: date) -> date:
    return date(first.year - 1, 12, 1) if first.month == 1 else date(first.year, first.month - 1, 1)


def recent_availability(contract: Contract, moment: datetime) -> list[MonthAvailability]:
    """This local month (so far) and the previous one, newest first."""
    today = local_date(moment, contract.customer.timezone)
    this_month = today.replace(day=1)
    months = [(this_month, True), (previous_month(this_month), False)]
    return [
        MonthAvailability(first, current, contract_availability(contract, first.year, first.month))
        for first, current in months
    ]
