"""Remediation clocks: a vulnerability's or finding's events replayed by the SLA engine.

* Target: the contract version in force at the report (``contract_version``) commits a
  deadline per severity — ``patch_deadline`` for vulnerabilities, ``rectification`` for
  audit findings — in hours, measured "24x7" or over the plan's coverage calendar (in the
  customer's time zone), as the commitment says. No commitment for the severity: no clock
  (``ClockStatus.NO_COMMITMENT``), never a breach.
* Events -> engine: ``reported`` starts the clock; ``risk_accepted`` pauses it (the customer
  signed the risk off: no business time runs, it cannot breach); ``reopened`` resumes it with
  the time it had left; ``patched`` and ``false_positive`` stop it. ``mitigated`` does not
  touch the clock: the commitment is to patch.
* Verdict: met (patched in time), breached (elapsed > target, also while still open, from
  one business second after the deadline, like ticket clocks), paused (accepted risk),
  stopped (false positive: neither met nor breached, not counted).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import lru_cache
from typing import TYPE_CHECKING

from servicepact.contracts.calendars import compiled_calendar
from servicepact.contracts.choices import MeasurementCalendar
from servicepact.contracts.models import KpiCommitment
from servicepact.security.choices import WARNING_FRACTIONS, ClockStatus, EventKind
from servicepact.slaclock import (
    ClockEvent,
    ClockEventKind,
    ClockResult,
    ClockState,
    CompiledCalendar,
    compile_calendar,
    evaluate_clock,
    parse_calendar,
)

if TYPE_CHECKING:
    from servicepact.security.models import Remediation, RemediationEvent

# Event kinds (RemediationEvent.kind) and what they do to the clock.
REPORTED, MITIGATED, PATCHED = EventKind.REPORTED, EventKind.MITIGATED, EventKind.PATCHED
RISK_ACCEPTED, REOPENED = EventKind.RISK_ACCEPTED, EventKind.REOPENED
FALSE_POSITIVE, BREACHED = EventKind.FALSE_POSITIVE, EventKind.BREACHED
CLOCK_KINDS: dict[str, ClockEventKind] = {
    REPORTED: ClockEventKind.START,
    RISK_ACCEPTED: ClockEventKind.PAUSE,
    REOPENED: ClockEventKind.RESUME,
    PATCHED: ClockEventKind.STOP,
    FALSE_POSITIVE: ClockEventKind.STOP,
}


def commitment_kind(item: Remediation) -> str:
    """Vulnerabilities are held to the patch deadline, findings to the rectification one."""
    return str(item.COMMITMENT_KIND)


def commitment_for(item: Remediation) -> KpiCommitment | None:
    """The version's deadline for the item's severity (none for "none" or no version)."""
    if item.contract_version_id is None:
        return None
    return KpiCommitment.objects.filter(
        contract_version_id=item.contract_version_id,
        kind=commitment_kind(item),
        severity=item.severity,
    ).first()


def target_seconds(commitment: KpiCommitment) -> int:
    """The commitment's hours as whole seconds (72 h -> 259200)."""
    return int((commitment.target * Decimal(3600)).to_integral_value())


@lru_cache(maxsize=8)
def _always(first_year: int, last_year: int) -> CompiledCalendar:
    spec = parse_calendar({"timezone": "UTC", "weekly": "24x7"})
    return compile_calendar(spec, date(first_year, 1, 1), date(last_year, 12, 31))


def calendar_for(item: Remediation, measured_over: str, now: datetime) -> CompiledCalendar:
    first, last = item.reported_at.date(), max(now, item.reported_at).date()
    if measured_over == MeasurementCalendar.COVERAGE:
        contract = item.contract
        return compiled_calendar(
            contract.plan.calendar,
            timezone=contract.customer.timezone,
            first=first,
            last=last + timedelta(days=366),
        )
    return _always(first.year - 1, last.year + 2)


def engine_events(events: list[RemediationEvent]) -> list[ClockEvent]:
    return [
        ClockEvent(at=e.at, kind=CLOCK_KINDS[e.kind], reason=e.kind)
        for e in events
        if e.kind in CLOCK_KINDS
    ]


def evaluate(
    item: Remediation, events: list[RemediationEvent], now: datetime
) -> tuple[ClockResult | None, KpiCommitment | None]:
    commitment = commitment_for(item)
    if commitment is None:
        return None, None
    calendar = calendar_for(item, commitment.measurement_calendar, now)
    result = evaluate_clock(calendar, target_seconds(commitment), engine_events(events), now)
    return result, commitment


def status_of(result: ClockResult | None, events: list[RemediationEvent]) -> str:
    if result is None:
        return ClockStatus.NO_COMMITMENT
    if any(e.kind == FALSE_POSITIVE for e in events):
        return ClockStatus.STOPPED  # never a vulnerability: neither met nor breached
    if result.state == ClockState.BREACHED:
        return ClockStatus.BREACHED
    if result.state == ClockState.MET:
        return ClockStatus.MET
    if result.state == ClockState.PAUSED:
        return ClockStatus.PAUSED
    return ClockStatus.RUNNING


def next_check(result: ClockResult | None, warned: int) -> datetime | None:
    """The next warning instant not yet sent, else the breach instant; None once decided or
    while paused (a resumed clock is re-derived by the service that resumes it)."""
    if result is None or result.state != ClockState.RUNNING:
        return None
    for fraction in WARNING_FRACTIONS[warned:]:
        at = result.instant_at_fraction(fraction)
        if at is not None:
            return at
    return result.instant_at_elapsed(result.target_seconds + 1)


def apply(item: Remediation, events: list[RemediationEvent], now: datetime) -> ClockResult | None:
    """Stores the clock's columns on ``item`` (the caller saves)."""
    result, commitment = evaluate(item, events, now)
    item.clock_status = status_of(result, events)
    if result is None or commitment is None:
        item.target_seconds = None
        item.measured_over = ""
        item.deadline_at = item.breached_at = item.next_check_at = None
        item.elapsed_seconds = item.breached_by_seconds = 0
        return None
    item.target_seconds = result.target_seconds
    item.measured_over = commitment.measurement_calendar
    item.elapsed_seconds = result.elapsed_seconds
    # The engine's ``breached_at`` is set once elapsed reaches the target; a clock stopped
    # exactly there is met, so only a breached verdict keeps it.
    counted = item.clock_status == ClockStatus.BREACHED
    item.breached_at = result.breached_at if counted else None
    item.breached_by_seconds = result.breached_by_seconds if counted else 0
    # A paused clock has no deadline (DESIGN.md): pages show the remaining business time.
    item.deadline_at = result.deadline
    item.next_check_at = next_check(result, item.warned)
    return result
