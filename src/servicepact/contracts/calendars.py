"""The DB calendar as the engine sees it: rows -> calendar JSON -> compiled calendar (cached).

A compiled calendar is immutable and keyed by (calendar, revision, zone, span), so a calendar
edit (which bumps ``revision``) can never be served from a stale cache entry.
"""

from __future__ import annotations

import threading
from datetime import date
from typing import Any

from servicepact.contracts.models import Calendar
from servicepact.slaclock import CompiledCalendar, compile_calendar, parse_calendar

_cache: dict[tuple[int, float, int, str, int, int], CompiledCalendar] = {}
_lock = threading.Lock()
_MAX_ENTRIES = 256


def calendar_json(calendar: Calendar, *, timezone: str | None = None) -> dict[str, Any]:
    """The engine's JSON calendar for a DB calendar (optionally re-anchored in another zone)."""
    hours = sorted(
        calendar.hours.all(),
        key=lambda h: (h.effective_from is not None, h.effective_from or date.min),
    )
    if not hours:
        weekly: Any = {}
        versions: list[dict[str, Any]] = []
    elif hours[0].effective_from is None:
        weekly = hours[0].weekly
        versions = [
            {"from": h.effective_from.isoformat(), "weekly": h.weekly}
            for h in hours[1:]
            if h.effective_from
        ]
    else:
        # No base row: closed before the first dated version.
        weekly = {}
        versions = [
            {"from": h.effective_from.isoformat(), "weekly": h.weekly}
            for h in hours
            if h.effective_from
        ]
    data: dict[str, Any] = {
        "timezone": timezone or calendar.timezone,
        "weekly": weekly,
        "holidays": [h.date.isoformat() for h in calendar.holidays.all()],
        "overrides": {o.date.isoformat(): o.windows for o in calendar.overrides.all()},
    }
    if versions:
        data["versions"] = versions
    return data


def span_years(*days: date) -> tuple[int, int]:
    """A generous span of whole years around the dates (deadlines can run weeks past a start)."""
    return min(d.year for d in days) - 1, max(d.year for d in days) + 2


def _key(
    calendar: Calendar, timezone: str | None, first: date, last: date
) -> tuple[int, float, int, str, int, int]:
    y0, y1 = span_years(first, last)
    # created_at guards against a reused primary key (SQLite reuses the highest rowid).
    zone_name = timezone or calendar.timezone
    return (calendar.pk, calendar.created_at.timestamp(), calendar.revision, zone_name, y0, y1)


def cached_compiled_calendar(
    calendar: Calendar, *, timezone: str | None, first: date, last: date
) -> CompiledCalendar | None:
    """What ``compiled_calendar`` would return if it is cached already, else None (reads no
    hours, holidays or overrides: callers prefetch those only for the calendars missing)."""
    with _lock:
        return _cache.get(_key(calendar, timezone, first, last))


def compiled_calendar(
    calendar: Calendar, *, timezone: str | None, first: date, last: date
) -> CompiledCalendar:
    zone_name = timezone or calendar.timezone
    key = _key(calendar, timezone, first, last)
    y0, y1 = key[4], key[5]
    with _lock:
        hit = _cache.get(key)
    if hit is not None:
        return hit
    spec = parse_calendar(calendar_json(calendar, timezone=zone_name))
    compiled = compile_calendar(spec, date(y0, 1, 1), date(y1, 12, 31))
    with _lock:
        if len(_cache) >= _MAX_ENTRIES:
            _cache.pop(next(iter(_cache)))
        _cache[key] = compiled
    return compiled


def clear_cache() -> None:
    with _lock:
        _cache.clear()
