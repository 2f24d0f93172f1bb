"""Conversions between aware datetimes, local wall times and UTC epoch seconds."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from servicepact.slaclock.errors import CalendarError

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
SECOND = timedelta(seconds=1)
DAY_SECONDS = 86_400


@lru_cache(maxsize=256)
def zone(name: str, field: str = "timezone") -> ZoneInfo:
    """The ZoneInfo for an IANA name; CalendarError naming ``field`` if unknown."""
    if not isinstance(name, str) or not name:
        raise CalendarError(field, f"unknown time zone {name!r}")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise CalendarError(field, f"unknown time zone {name!r}") from None


def to_epoch(value: datetime, field: str) -> int:
    """Whole UTC epoch seconds of an aware datetime, sub-second part floored.

    A naive datetime is rejected: guessing its zone is how SLA reports go wrong.
    """
    if not isinstance(value, datetime):
        raise CalendarError(field, f"expected an aware datetime, got {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise CalendarError(
            field, f"naive datetime {value.isoformat()} (an aware instant is required)"
        )
    return (value - EPOCH) // SECOND


def from_epoch(seconds: int, tz: ZoneInfo) -> datetime:
    """The aware datetime in ``tz`` for UTC epoch seconds (for display and wall times)."""
    return datetime.fromtimestamp(seconds, tz)


def utc_datetime(seconds: int) -> datetime:
    """The aware UTC datetime for epoch seconds: what the API returns.

    UTC rather than the calendar's zone because PEP 495 makes a local datetime in a
    repeated hour (fold=1) unequal to every other zone's view of the same instant.
    """
    return datetime.fromtimestamp(seconds, UTC)


def _wall(value: datetime) -> tuple[int, int, int, int, int, int]:
    return (value.year, value.month, value.day, value.hour, value.minute, value.second)


def local_to_epoch(tz: ZoneInfo, day: date, seconds: int) -> int:
    """Epoch seconds of the wall time ``day`` + ``seconds`` (0..86400) in ``tz``.

    DESIGN.md: a wall time inside a DST gap moves to the first instant after the gap;
    an ambiguous one takes the earliest occurrence, which is what fold=0 means (PEP 495).
    """
    wall = datetime.combine(day, time(), tzinfo=tz) + timedelta(seconds=seconds)
    instant = (wall - EPOCH) // SECOND
    if _wall(from_epoch(instant, tz)) == _wall(wall):
        return instant
    return _gap_end(tz, wall)


def _gap_end(tz: ZoneInfo, wall: datetime) -> int:
    """The transition instant that ends the DST gap containing ``wall``.

    fold=1 maps a gap time with the offset after the transition (an instant before
    it); fold=0 with the offset before (an instant after it). Between the two the
    local wall clock jumps past ``wall`` exactly once: find that second.
    """
    target = _wall(wall)
    low = (wall.replace(fold=1) - EPOCH) // SECOND
    high = (wall - EPOCH) // SECOND
    if low > high:
        low, high = high, low
    while low < high:
        middle = (low + high) // 2
        if _wall(from_epoch(middle, tz)) > target:
            high = middle
        else:
            low = middle + 1
    return high
