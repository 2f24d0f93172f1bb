"""Invalid calendars and instants raise CalendarError naming the exact field."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pytest

from servicepact.slaclock import (
    CalendarError,
    CalendarSpec,
    calendar_to_json,
    compile_calendar,
    parse_calendar,
)
from servicepact.slaclock.tests.support import (
    NIGHT_SHIFT_UTC,
    OFFICE_BERLIN,
    SPLIT_SHANGHAI,
    VERSIONED_UTC,
    compiled,
)


def with_weekly(weekly: Any) -> dict[str, Any]:
    return {"timezone": "UTC", "weekly": weekly}


CASES: list[tuple[str, Any, str, str]] = [
    # (case, calendar JSON, field, message fragment)
    ("not an object", ["24x7"], "calendar", "expected a JSON object"),
    ("missing timezone", {"weekly": "24x7"}, "timezone", "required"),
    ("missing weekly", {"timezone": "UTC"}, "weekly", "required"),
    (
        "unknown zone",
        {"timezone": "Mars/Base", "weekly": "24x7"},
        "timezone",
        "unknown time zone 'Mars/Base'",
    ),
    ("zone not a string", {"timezone": 8, "weekly": "24x7"}, "timezone", "expected a string"),
    (
        "unknown top-level key",
        {"timezone": "UTC", "weekly": "24x7", "holiday": []},
        "holiday",
        "unknown field",
    ),
    ("weekly not an object", with_weekly("24/7"), "weekly", "expected an object"),
    ("unknown weekday", with_weekly({"funday": []}), "weekly.funday", "unknown field"),
    (
        "hour 25",
        with_weekly({"mon": [["25:00", "26:00"]]}),
        "weekly.mon[0][0]",
        "not a time of day: '25:00'",
    ),
    (
        "9am",
        with_weekly({"tue": [["09:00", "9am"]]}),
        "weekly.tue[0][1]",
        "not a time HH:MM: '9am'",
    ),
    (
        "minute 60",
        with_weekly({"tue": [["09:60", "10:00"]]}),
        "weekly.tue[0][0]",
        "not a time of day",
    ),
    (
        "24:00 as a start",
        with_weekly({"fri": [["24:00", "01:00"]]}),
        "weekly.fri[0][0]",
        "only valid as the end",
    ),
    (
        "start equals end",
        with_weekly({"wed": [["09:00", "09:00"]]}),
        "weekly.wed[0]",
        "start equals end",
    ),
    (
        "window not a list",
        with_weekly({"thu": ["09:00-12:00"]}),
        "weekly.thu[0]",
        "expected a window",
    ),
    (
        "three times",
        with_weekly({"thu": [["09:00", "10:00", "11:00"]]}),
        "weekly.thu[0]",
        "expected a window",
    ),
    (
        "day not a list",
        with_weekly({"thu": "09:00-12:00"}),
        "weekly.thu",
        "expected a list of windows",
    ),
    (
        "overlap",
        with_weekly({"mon": [["09:00", "12:00"], ["11:00", "13:00"]]}),
        "weekly.mon[1]",
        "11:00-13:00 overlaps weekly.mon[0] 09:00-12:00",
    ),
    (
        "overnight overlaps next day",
        with_weekly({"mon": [["22:00", "06:00"]], "tue": [["05:00", "10:00"]]}),
        "weekly.tue[0]",
        "overlaps weekly.mon overnight window",
    ),
    (
        "two overnights",
        with_weekly({"sat": [["20:00", "01:00"], ["22:00", "02:00"]]}),
        "weekly.sat[1]",
        "overlaps",
    ),
    (
        "bad holiday",
        {"timezone": "UTC", "weekly": "24x7", "holidays": ["2025-01-01", "2025-02-30"]},
        "holidays[1]",
        "not a valid date: '2025-02-30'",
    ),
    (
        "holiday not a date",
        {"timezone": "UTC", "weekly": "24x7", "holidays": ["1/1/2025"]},
        "holidays[0]",
        "not a date YYYY-MM-DD",
    ),
    (
        "holiday twice",
        {"timezone": "UTC", "weekly": "24x7", "holidays": ["2025-01-01", "2025-01-01"]},
        "holidays[1]",
        "listed twice",
    ),
    (
        "holidays not a list",
        {"timezone": "UTC", "weekly": "24x7", "holidays": "2025-01-01"},
        "holidays",
        "expected a list",
    ),
    (
        "override time",
        {"timezone": "UTC", "weekly": "24x7", "overrides": {"2025-12-24": [["09:00", "13:60"]]}},
        "overrides.2025-12-24[0][1]",
        "not a time of day: '13:60'",
    ),
    (
        "override date",
        {"timezone": "UTC", "weekly": "24x7", "overrides": {"2025-13-01": []}},
        "overrides.2025-13-01",
        "not a valid date",
    ),
    (
        "override not a list",
        {"timezone": "UTC", "weekly": "24x7", "overrides": {"2025-12-24": None}},
        "overrides.2025-12-24",
        "expected a list of windows",
    ),
    (
        "versions not a list",
        {"timezone": "UTC", "weekly": "24x7", "versions": {}},
        "versions",
        "expected a list",
    ),
    (
        "version without from",
        {"timezone": "UTC", "weekly": "24x7", "versions": [{"weekly": "24x7"}]},
        "versions[0].from",
        "required",
    ),
    (
        "version bad date",
        {"timezone": "UTC", "weekly": "24x7", "versions": [{"from": "soon", "weekly": "24x7"}]},
        "versions[0].from",
        "not a date",
    ),
    (
        "version bad window",
        {
            "timezone": "UTC",
            "weekly": "24x7",
            "versions": [{"from": "2026-01-01", "weekly": {"mon": [["9", "10"]]}}],
        },
        "versions[0].weekly.mon[0][0]",
        "not a time HH:MM",
    ),
    (
        "versions out of order",
        {
            "timezone": "UTC",
            "weekly": "24x7",
            "versions": [
                {"from": "2026-01-01", "weekly": "24x7"},
                {"from": "2025-01-01", "weekly": "24x7"},
            ],
        },
        "versions[1].from",
        "increasing date order",
    ),
    (
        "version unknown key",
        {
            "timezone": "UTC",
            "weekly": "24x7",
            "versions": [{"from": "2026-01-01", "weekly": "24x7", "holidays": []}],
        },
        "versions[0].holidays",
        "unknown field",
    ),
]


@pytest.mark.parametrize(("case", "data", "field", "fragment"), CASES, ids=[c[0] for c in CASES])
def test_invalid_calendar_names_the_field(case: str, data: Any, field: str, fragment: str) -> None:
    """The error's field is the exact JSON path and the message starts with it."""
    with pytest.raises(CalendarError) as caught:
        parse_calendar(data)
    assert caught.value.field == field
    assert str(caught.value).startswith(f"{field}: ")
    assert fragment in str(caught.value)


def test_valid_edge_windows_are_accepted() -> None:
    """'24:00' ends a window, HH:MM:SS is allowed, and end 00:00 is an overnight to midnight."""
    spec = parse_calendar(
        with_weekly(
            {"mon": [["00:00", "24:00"]], "tue": [["08:30:15", "09:00"], ["22:00", "00:00"]]}
        )
    )
    assert calendar_to_json(spec)["weekly"]["tue"] == [["08:30:15", "09:00"], ["22:00", "00:00"]]


@pytest.mark.parametrize(
    "data", [OFFICE_BERLIN, SPLIT_SHANGHAI, NIGHT_SHIFT_UTC, VERSIONED_UTC, with_weekly("24x7")]
)
def test_calendar_json_round_trips(data: dict[str, Any]) -> None:
    """calendar_to_json gives data that parses back to an equal, equally hashed spec."""
    spec = parse_calendar(data)
    again = parse_calendar(calendar_to_json(spec))
    assert again == spec and hash(again) == hash(spec)


def test_twenty_four_seven_classmethod() -> None:
    """CalendarSpec.twenty_four_seven equals the parsed "24x7" calendar."""
    assert CalendarSpec.twenty_four_seven("UTC") == parse_calendar(with_weekly("24x7"))
    with pytest.raises(CalendarError, match="timezone: unknown time zone"):
        CalendarSpec.twenty_four_seven("Nowhere/Land")


def test_compile_is_cached() -> None:
    """Compiling the same spec and span twice returns the very same compiled calendar."""
    spec = parse_calendar(OFFICE_BERLIN)
    first = compile_calendar(spec, date(2025, 1, 1), date(2025, 3, 31))
    assert (
        compile_calendar(parse_calendar(OFFICE_BERLIN), date(2025, 1, 1), date(2025, 3, 31))
        is first
    )


def test_compiled_arrays_are_read_only() -> None:
    """The compiled interval arrays cannot be modified in place."""
    cal = compiled(OFFICE_BERLIN)
    with pytest.raises(ValueError, match="read-only"):
        cal.timeline.starts[0] = 0


NAIVE = datetime(2025, 6, 2, 9, 0)


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda c: c.deadline(NAIVE, 60), "start"),
        (lambda c: c.business_seconds(NAIVE, NAIVE), "a"),
        (lambda c: c.is_open(NAIVE), "t"),
        (lambda c: c.business_seconds(datetime.fromisoformat("2025-06-02T09:00Z"), NAIVE), "b"),
        (
            lambda c: c.deadline(datetime.fromisoformat("2025-06-02T09:00Z"), 60, [(NAIVE, NAIVE)]),
            "pauses[0][0]",
        ),
    ],
)
def test_naive_datetimes_are_rejected(call: Any, field: str) -> None:
    """Every API taking instants rejects naive datetimes, naming the argument."""
    with pytest.raises(CalendarError) as caught:
        call(compiled(OFFICE_BERLIN))
    assert caught.value.field == field
    assert "naive datetime" in str(caught.value)
