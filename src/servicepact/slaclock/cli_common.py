"""Parsing and formatting shared by the ``sla`` commands."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path
from zoneinfo import ZoneInfo

from servicepact.slaclock.calendar import CompiledCalendar
from servicepact.slaclock.compiler import compile_calendar
from servicepact.slaclock.errors import CalendarError, SpanError
from servicepact.slaclock.instants import EPOCH, SECOND, from_epoch
from servicepact.slaclock.parsing import parse_calendar
from servicepact.slaclock.spec import CalendarSpec

EXIT_DATA = 1  # a value in the input data is bad or cannot be computed
EXIT_USAGE = 2  # bad arguments, unreadable files, invalid calendar

_MINUTE_QUANTUM = Decimal("0.0001")
_MAX_MINUTES = 100 * 366 * 24 * 60
_FIRST_HORIZON_DAYS = 400
_MAX_HORIZON_DAYS = 366 * 100  # beyond a century without enough open time: give up
# Instants the commands accept. The calendar is compiled a day before the earliest and up to
# two centuries (target + horizon) after the latest; both must stay inside datetime's years
# 1..9999, and a span from year 1 to today would compile two thousand years of calendar.
EARLIEST_YEAR, LAST_YEAR = 1900, 8999
_EARLIEST = datetime(EARLIEST_YEAR, 1, 1, tzinfo=UTC)
_LATEST = datetime(LAST_YEAR + 1, 1, 1, tzinfo=UTC)  # exclusive


class CliError(Exception):
    """An error to print on stderr, with the exit code to return."""

    def __init__(self, message: str, code: int) -> None:
        super().__init__(message)
        self.code = code


def load_calendar(path: str) -> CalendarSpec:
    """Read and validate the calendar JSON file; errors name the file and the field."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise CliError(f"{path}: cannot read the calendar: {exc.strerror}", EXIT_USAGE) from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CliError(
            f"{path}: not valid JSON: line {exc.lineno} column {exc.colno}: {exc.msg}", EXIT_USAGE
        ) from None
    try:
        return parse_calendar(data)
    except CalendarError as exc:
        raise CliError(f"{path}: {exc}", EXIT_USAGE) from None


def parse_instant(text: str) -> int:
    """Epoch seconds of an ISO-8601 instant with a UTC offset ('Z' accepted); ValueError otherwise."""
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"not an ISO-8601 instant with offset: {text!r}") from None
    if value.tzinfo is None:
        raise ValueError(f"not an ISO-8601 instant with offset: {text!r} has no UTC offset")
    if not _EARLIEST <= value < _LATEST:
        raise ValueError(f"{text.strip()!r} is outside the years {EARLIEST_YEAR}..{LAST_YEAR}")
    return (value - EPOCH) // SECOND


def parse_pause(text: str) -> tuple[int, int]:
    """A pause written START/END; ValueError if malformed or ending before it starts."""
    parts = text.split("/")
    if len(parts) != 2:
        raise ValueError(f"expected START/END, got {text!r}")
    begin, end = parse_instant(parts[0]), parse_instant(parts[1])
    if end < begin:
        raise ValueError(f"the pause ends before it starts: {text!r}")
    return begin, end


def parse_pauses(text: str) -> list[tuple[int, int]]:
    """Pauses separated by ';' (the batch CSV format); empty text means none."""
    return [parse_pause(part) for part in text.split(";") if part.strip()]


def minutes_to_seconds(text: str) -> int:
    """Whole seconds of a decimal minute count, rounded to the nearest second (half up).

    A target is whole seconds: a decimal is only a way of writing them, and spreadsheets
    write 1027 s as ``17.116666666666667`` minutes (1027.00000000000002 s), which must stay
    1027 s, not become 1028 s (docs/sla-clock.md, "Precision").
    """
    try:
        minutes = Decimal(text.strip())
    except InvalidOperation:
        raise ValueError(f"not a number of minutes: {text!r}") from None
    if not minutes.is_finite() or minutes < 0:
        raise ValueError(f"not a non-negative number of minutes: {text!r}")
    if minutes > _MAX_MINUTES:
        raise ValueError(f"more than {_MAX_MINUTES} minutes (a century): {text!r}")
    return int((minutes * 60).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def format_minutes(seconds: int) -> str:
    """Minutes with at most 4 decimals and no trailing zeros: 5400 s -> '90', 5430 s -> '90.5'.

    Four decimals identify the whole second uniquely (1 s = 0.0167 min).
    """
    minutes = (Decimal(seconds) / 60).quantize(_MINUTE_QUANTUM, rounding=ROUND_HALF_EVEN)
    text = format(minutes, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def format_instant(seconds: int, tz: ZoneInfo) -> str:
    return from_epoch(seconds, tz).isoformat()


def local_date(seconds: int, tz: ZoneInfo) -> date:
    return from_epoch(seconds, tz).date()


class SpanKeeper:
    """Compiles a calendar over the dates a computation needs, growing on demand."""

    def __init__(self, spec: CalendarSpec) -> None:
        self.spec = spec
        self.tz = ZoneInfo(spec.timezone)
        self.calendar: CompiledCalendar | None = None
        self.horizon_days = _FIRST_HORIZON_DAYS

    def covering(self, earliest: int, latest: int) -> CompiledCalendar:
        """A compiled calendar whose span holds [earliest, latest] plus the horizon."""
        first = local_date(earliest, self.tz) - timedelta(days=1)
        last = local_date(latest, self.tz) + timedelta(days=self.horizon_days)
        current = self.calendar
        if current is None or first < current.first or local_date(latest, self.tz) >= current.last:
            if current is not None:
                first, last = min(first, current.first), max(last, current.last)
            current = self.calendar = compile_calendar(self.spec, first, last)
        return current

    def grow(self) -> None:
        """Called after a SpanError: look four times further ahead next time."""
        if self.horizon_days >= _MAX_HORIZON_DAYS:
            raise SpanError(
                f"no deadline within {_MAX_HORIZON_DAYS // 366} years: the calendar has too little open time"
            )
        self.horizon_days = min(self.horizon_days * 4, _MAX_HORIZON_DAYS)
        if self.calendar is not None:
            current = self.calendar
            self.calendar = compile_calendar(
                self.spec, current.first, current.last + timedelta(days=self.horizon_days)
            )
