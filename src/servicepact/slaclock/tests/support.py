"""Calendars and helpers shared by the slaclock tests."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from servicepact.slaclock import CompiledCalendar, compile_calendar, parse_calendar

WORKDAYS = ("mon", "tue", "wed", "thu", "fri")


def weekdays(*windows: list[str]) -> dict[str, list[list[str]]]:
    """The same windows Monday to Friday; weekend closed."""
    return {day: [list(w) for w in windows] for day in WORKDAYS}


OFFICE_BERLIN: dict[str, Any] = {
    "timezone": "Europe/Berlin",
    "weekly": weekdays(["09:00", "18:00"]),
}

SPLIT_SHANGHAI: dict[str, Any] = {
    "timezone": "Asia/Shanghai",
    "weekly": weekdays(["09:00", "12:00"], ["13:30", "18:00"]),
    "holidays": ["2025-10-01", "2025-10-02", "2025-10-03", "2025-10-06", "2025-10-07"],
    "overrides": {
        "2025-09-28": [["09:00", "18:00"]],
        "2025-10-11": [["09:00", "18:00"]],
        "2025-11-03": [],
        "2025-12-24": [["09:00", "13:00"]],
    },
}

NIGHT_SHIFT_UTC: dict[str, Any] = {
    "timezone": "UTC",
    "weekly": weekdays(["22:00", "06:00"]),
    "holidays": ["2025-06-11"],
}

VERSIONED_UTC: dict[str, Any] = {
    "timezone": "UTC",
    "weekly": weekdays(["09:00", "17:00"]),
    "versions": [{"from": "2025-07-01", "weekly": weekdays(["08:00", "20:00"])}],
}


def compiled(
    data: dict[str, Any], first: str = "2024-12-01", last: str = "2026-02-28"
) -> CompiledCalendar:
    return compile_calendar(
        parse_calendar(data), date.fromisoformat(first), date.fromisoformat(last)
    )


def at(text: str) -> datetime:
    """An aware datetime from ISO-8601 text with an offset."""
    value = datetime.fromisoformat(text)
    assert value.tzinfo is not None, text
    return value


def epoch(text: str) -> int:
    return int(at(text).timestamp())
