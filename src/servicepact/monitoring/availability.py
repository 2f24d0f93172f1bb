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

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from django.db.models import Q

from servicepact.assets.models import Asset, ContractLine
from servicepact.changes.selectors import Window, approved_windows
from servicepact.contracts.calendars import compiled_calendar
from servicepact.contracts.choices import KpiKind, MeasurementCalendar
from servicepact.contracts.models import Contract, KpiCommitment
from servicepact.contracts.terms import version_in_force
from servicepact.core.periods import Period
from servicepact.core.time import from_epoch, local_midnight, to_epoch
from servicepact.core.time import now as current_time
from servicepact.monitoring.models import Outage
from servicepact.monitoring.selectors import outages_for
from servicepact.slaclock.statement_rules import (
    OutageSpan,
    WindowSpan,
    availability_met,
    availability_percent,
    downtime_slices,
    merge_spans,
)

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
    # The outage it is a part of (a reference, not part of the slice's value).
    outage_id: int | None = field(default=None, compare=False)


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


def parse_period(text: str) -> tuple[int, int]:
    """ "2025-06" -> (2025, 6); anything else is a DomainValidationError on ``period``
    (core.periods.Period.parse: the one parser of a month)."""
    period = Period.parse(text)
    return period.year, period.month


@dataclass(frozen=True)
class AvailabilityInputs:
    """Everything a month's availability is computed from (the audit export writes it out,
    so a customer can recompute the figure without our database)."""

    first: date  # the 1st of the local month
    after: date  # the 1st of the next local month
    period_start: datetime
    period_end: datetime
    horizon: datetime  # min(period end, now): the current month is measured to date
    calendar: str  # "24x7" | "coverage"
    commitment: KpiCommitment | None
    spans: dict[Asset, list[Span]]  # per covered asset, the instants its line covers
    outages: list[Outage]  # not merged away, overlapping [period start, horizon)
    windows: dict[int, list[Window]]  # approved (or done) change windows per asset


def availability_inputs(contract: Contract, year: int, month: int) -> AvailabilityInputs:
    period = Period(year, month)
    first, after = period.first_day, period.shift(1).first_day
    period_start, period_end = (
        i.astimezone(UTC) for i in period.bounds(contract.customer.timezone)
    )
    horizon = min(period_end, current_time())
    commitment = _commitment(contract, period_start, period_end)
    calendar = commitment.measurement_calendar if commitment else MeasurementCalendar.ALWAYS
    spans = _covered_spans(contract, first, after, horizon)
    asset_ids = [asset.pk for asset in spans]
    outages = list(outages_for(asset_ids, period_start, horizon)) if asset_ids else []
    windows = approved_windows(sorted({o.asset_id for o in outages}), period_start, horizon)
    return AvailabilityInputs(
        first=first,
        after=after,
        period_start=period_start,
        period_end=period_end,
        horizon=horizon,
        calendar=str(calendar),
        commitment=commitment,
        spans=spans,
        outages=outages,
        windows=dict(windows),
    )


def contract_availability(contract: Contract, year: int, month: int) -> AvailabilityResult:
    return availability_from(contract, availability_inputs(contract, year, month))


def availability_from(contract: Contract, inputs: AvailabilityInputs) -> AvailabilityResult:
    """The month's availability from its inputs (see ``availability_inputs``)."""
    commitment = inputs.commitment
    spans = inputs.spans
    measure = _measurer(contract, inputs.calendar, inputs.first, inputs.after)
    measured = sum(
        measure(asset, a, b) for asset, asset_spans in spans.items() for a, b in asset_spans
    )
    slices = _slices(inputs, measure)
    unplanned = sum(s.seconds for s in slices if not s.planned)
    planned = sum(s.seconds for s in slices if s.planned)
    percent = availability_percent(measured, unplanned)
    met = availability_met(measured, unplanned, commitment.target if commitment else None)
    return AvailabilityResult(
        contract_id=contract.pk,
        period=f"{inputs.first.year:04d}-{inputs.first.month:02d}",
        calendar=inputs.calendar,
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
    epochs = merge_spans((to_epoch(a), to_epoch(b)) for a, b in spans)
    return [(from_epoch(a), from_epoch(b)) for a, b in epochs]


def _measurer(contract: Contract, calendar: str, first: date, after: date) -> Measure:
    if calendar != MeasurementCalendar.COVERAGE:
        return lambda asset, a, b: int(b.timestamp() - a.timestamp())
    plan_calendar = contract.plan.calendar
    compiled: dict[str, object] = {}

    def measure(asset: Asset, a: datetime, b: datetime) -> int:
        # The plan's hours apply in the asset's site zone (else the customer's).
        zone = asset.site.timezone if asset.site is not None else contract.customer.timezone
        if zone not in compiled:
            compiled[zone] = compiled_calendar(
                plan_calendar, timezone=zone, first=first, last=after
            )
        return int(compiled[zone].business_seconds(a, b))  # type: ignore[attr-defined]

    return measure


def outage_span(outage: Outage) -> OutageSpan:
    return OutageSpan(
        id=outage.pk,
        asset_id=outage.asset_id,
        start=to_epoch(outage.started_at),
        end=None if outage.ended_at is None else to_epoch(outage.ended_at),
        cause=outage.cause,
        planned=outage.planned,
    )


def window_span(window: Window) -> WindowSpan:
    return WindowSpan(to_epoch(window.start), to_epoch(window.end), window.change_id)


def _slices(inputs: AvailabilityInputs, measure: Measure) -> list[DowntimeSlice]:
    """The month's downtime (statement_rules.downtime_slices, on whole epoch seconds)."""
    spans = inputs.spans
    if not spans:
        return []
    by_id = {asset.pk: asset for asset in spans}
    outages = [outage_span(o) for o in inputs.outages]
    windows = {asset_id: [window_span(w) for w in ws] for asset_id, ws in inputs.windows.items()}
    epoch_spans = {
        asset.pk: [(to_epoch(a), to_epoch(b)) for a, b in asset_spans]
        for asset, asset_spans in spans.items()
    }

    def seconds(asset_id: int, a: int, b: int) -> int:
        return measure(by_id[asset_id], from_epoch(a), from_epoch(b))

    return [
        DowntimeSlice(
            asset_id=s.asset_id,
            hostname=by_id[s.asset_id].hostname,
            start=from_epoch(s.start),
            end=from_epoch(s.end),
            seconds=s.seconds,
            planned=s.planned,
            cause=s.cause,
            change_id=s.change_id,
            outage_id=s.outage_id,
        )
        for s in downtime_slices(epoch_spans, outages, windows, to_epoch(inputs.horizon), seconds)
    ]


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


def recent_availability(contract: Contract, moment: datetime) -> list[MonthAvailability]:
    """This local month (so far) and the previous one, newest first."""
    this_month = Period.containing(moment, contract.customer.timezone)
    months = [(this_month, True), (this_month.shift(-1), False)]
    return [
        MonthAvailability(p.first_day, current, contract_availability(contract, p.year, p.month))
        for p, current in months
    ]
