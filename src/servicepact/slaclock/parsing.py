"""The JSON calendar format: parse (with field-path errors) and serialise back."""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping
from datetime import date
from typing import Any

from servicepact.slaclock.errors import CalendarError
from servicepact.slaclock.instants import DAY_SECONDS, zone
from servicepact.slaclock.spec import (
    TWENTY_FOUR_SEVEN,
    WEEKDAYS,
    CalendarSpec,
    CalendarVersion,
    Weekly,
    Window,
    Windows,
)

_TIME = re.compile(r"(\d\d):(\d\d)(?::(\d\d))?")
_DATE = re.compile(r"\d{4}-\d\d-\d\d")
_TOP_KEYS = ("timezone", "weekly", "holidays", "overrides", "versions")


def parse_calendar(data: Mapping[str, Any]) -> CalendarSpec:
    """Validate calendar JSON data; CalendarError names the exact field on any problem."""
    if not isinstance(data, Mapping):
        raise CalendarError("calendar", f"expected a JSON object, got {_kind(data)}")
    _reject_unknown(data, _TOP_KEYS, "")
    if "timezone" not in data:
        raise CalendarError("timezone", "required")
    if "weekly" not in data:
        raise CalendarError("weekly", 'required (use "24x7" for always open)')
    timezone = data["timezone"]
    if not isinstance(timezone, str):
        raise CalendarError("timezone", f"expected a string, got {_kind(timezone)}")
    zone(timezone)
    return CalendarSpec(
        timezone=timezone,
        weekly=_weekly(data["weekly"], "weekly"),
        holidays=_holidays(data.get("holidays", []), "holidays"),
        overrides=_overrides(data.get("overrides", {}), "overrides"),
        versions=_versions(data.get("versions", []), "versions"),
    )


def calendar_to_json(spec: CalendarSpec) -> dict[str, Any]:
    """The JSON form of ``spec``; ``parse_calendar(calendar_to_json(s)) == s``."""
    result: dict[str, Any] = {"timezone": spec.timezone, "weekly": _weekly_json(spec.weekly)}
    result["holidays"] = [d.isoformat() for d in sorted(spec.holidays)]
    result["overrides"] = {d.isoformat(): _windows_json(w) for d, w in spec.overrides}
    result["versions"] = [
        {"from": v.effective_from.isoformat(), "weekly": _weekly_json(v.weekly)}
        for v in spec.versions
    ]
    return result


def format_time(seconds: int) -> str:
    """'HH:MM', or 'HH:MM:SS' when the time has seconds; 86400 is '24:00'."""
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    text = f"{hours:02d}:{minutes:02d}"
    return f"{text}:{secs:02d}" if secs else text


def _kind(value: object) -> str:
    names = {dict: "an object", list: "a list", str: "a string", bool: "a boolean"}
    if value is None:
        return "null"
    for kind, name in names.items():
        if isinstance(value, kind):
            return name
    return "a number" if isinstance(value, int | float) else type(value).__name__


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _reject_unknown(data: Mapping[str, Any], allowed: tuple[str, ...], path: str) -> None:
    for key in data:
        if key not in allowed:
            raise CalendarError(
                _join(path, str(key)), f"unknown field (expected one of {', '.join(allowed)})"
            )


def _parse_date(value: object, path: str) -> date:
    if not isinstance(value, str) or not _DATE.fullmatch(value):
        raise CalendarError(path, f"not a date YYYY-MM-DD: {value!r}")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CalendarError(path, f"not a valid date: {value!r}") from None


def _parse_time(value: object, path: str, *, is_end: bool) -> int:
    match = _TIME.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        raise CalendarError(path, f"not a time HH:MM: {value!r}")
    hours, minutes, secs = (int(g) if g else 0 for g in match.groups())
    seconds = hours * 3600 + minutes * 60 + secs
    if minutes > 59 or secs > 59 or seconds > DAY_SECONDS:
        raise CalendarError(path, f"not a time of day: {value!r}")
    if seconds == DAY_SECONDS and not is_end:
        raise CalendarError(path, "24:00 is only valid as the end of a window")
    return seconds


def _window(value: object, path: str) -> Window:
    if not isinstance(value, list) or len(value) != 2:
        raise CalendarError(path, f'expected a window ["HH:MM", "HH:MM"], got {value!r}')
    start = _parse_time(value[0], f"{path}[0]", is_end=False)
    end = _parse_time(value[1], f"{path}[1]", is_end=True)
    if start == end:
        # end <= start means overnight, but an equal pair is almost always a typo
        # (empty? 24 hours?): make the author write 00:00-24:00 or an explicit range.
        raise CalendarError(
            path, f'start equals end ({value[0]}); write ["00:00", "24:00"] for a whole day'
        )
    return Window(start, end)


def _windows(value: object, path: str) -> Windows:
    if not isinstance(value, list):
        raise CalendarError(path, f"expected a list of windows, got {_kind(value)}")
    windows = tuple(_window(item, f"{path}[{i}]") for i, item in enumerate(value))
    _check_overlaps([(w.same_day_part(), f"{path}[{i}]") for i, w in enumerate(windows)])
    return tuple(sorted(windows, key=lambda w: w.start))


def _check_overlaps(parts: list[tuple[tuple[int, int], str]]) -> None:
    """Raise if two pieces of the same local date overlap (the later one is named)."""
    ordered = sorted(parts, key=lambda item: item[0])
    for (earlier, earlier_path), (later, later_path) in itertools.pairwise(ordered):
        if later[0] < earlier[1]:
            span = f"{format_time(later[0])}-{format_time(later[1])}"
            raise CalendarError(
                later_path,
                f"{span} overlaps {earlier_path} "
                f"{format_time(earlier[0])}-{format_time(earlier[1])} on the same day",
            )


def _weekly(value: object, path: str) -> Weekly:
    if value == "24x7":
        return TWENTY_FOUR_SEVEN
    if not isinstance(value, Mapping):
        raise CalendarError(path, f'expected an object of weekdays or "24x7", got {_kind(value)}')
    _reject_unknown(value, WEEKDAYS, path)
    days = tuple(_windows(value.get(day, []), f"{path}.{day}") for day in WEEKDAYS)
    _check_overnight_spill(days, path)
    return days


def _check_overnight_spill(days: Weekly, path: str) -> None:
    """An overnight window must not overlap the next weekday's own windows."""
    for index, windows in enumerate(days):
        following = (index + 1) % 7
        parts = [
            (w.same_day_part(), f"{path}.{WEEKDAYS[following]}[{i}]")
            for i, w in enumerate(days[following])
        ]
        for window in windows:
            spill = window.after_midnight_part()
            if spill is not None:
                source = f"{path}.{WEEKDAYS[index]} overnight window (after midnight)"
                _check_overlaps([(spill, source), *parts])


def _holidays(value: object, path: str) -> frozenset[date]:
    if not isinstance(value, list):
        raise CalendarError(path, f"expected a list of dates, got {_kind(value)}")
    seen: set[date] = set()
    for i, item in enumerate(value):
        day = _parse_date(item, f"{path}[{i}]")
        if day in seen:
            raise CalendarError(f"{path}[{i}]", f"{item} is listed twice")
        seen.add(day)
    return frozenset(seen)


def _overrides(value: object, path: str) -> tuple[tuple[date, Windows], ...]:
    if not isinstance(value, Mapping):
        raise CalendarError(path, f"expected an object of date: windows, got {_kind(value)}")
    parsed = [
        (_parse_date(key, f"{path}.{key}"), _windows(item, f"{path}.{key}"))
        for key, item in value.items()
    ]
    return tuple(sorted(parsed, key=lambda pair: pair[0]))


def _versions(value: object, path: str) -> tuple[CalendarVersion, ...]:
    if not isinstance(value, list):
        raise CalendarError(path, f"expected a list of versions, got {_kind(value)}")
    versions: list[CalendarVersion] = []
    for i, item in enumerate(value):
        item_path = f"{path}[{i}]"
        if not isinstance(item, Mapping):
            raise CalendarError(
                item_path, f'expected an object {{"from", "weekly"}}, got {_kind(item)}'
            )
        _reject_unknown(item, ("from", "weekly"), item_path)
        for key in ("from", "weekly"):
            if key not in item:
                raise CalendarError(f"{item_path}.{key}", "required")
        effective = _parse_date(item["from"], f"{item_path}.from")
        if versions and effective <= versions[-1].effective_from:
            raise CalendarError(
                f"{item_path}.from", "versions must be listed in increasing date order"
            )
        versions.append(CalendarVersion(effective, _weekly(item["weekly"], f"{item_path}.weekly")))
    return tuple(versions)


def _windows_json(windows: Windows) -> list[list[str]]:
    return [[format_time(w.start), format_time(w.end)] for w in windows]


def _weekly_json(weekly: Weekly) -> str | dict[str, list[list[str]]]:
    if weekly == TWENTY_FOUR_SEVEN:
        return "24x7"
    return {day: _windows_json(windows) for day, windows in zip(WEEKDAYS, weekly, strict=True)}
