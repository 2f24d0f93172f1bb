"""Table tests: business time and deadlines on hand-computed examples (no DST here)."""

from __future__ import annotations

from typing import Any

import pytest

from servicepact.slaclock.tests.support import (
    NIGHT_SHIFT_UTC,
    OFFICE_BERLIN,
    SPLIT_SHANGHAI,
    VERSIONED_UTC,
    at,
    compiled,
)

TWENTY_FOUR_SEVEN_BERLIN = {"timezone": "Europe/Berlin", "weekly": "24x7"}

BUSINESS_CASES: list[tuple[str, dict[str, Any], str, str, int]] = [
    # (case, calendar, a, b, expected business seconds)
    (
        "weekend skipped",
        OFFICE_BERLIN,
        "2025-06-06T17:00+02:00",
        "2025-06-09T10:00+02:00",
        2 * 3600,
    ),
    (
        "start before opening",
        OFFICE_BERLIN,
        "2025-06-02T07:00+02:00",
        "2025-06-02T10:00+02:00",
        3600,
    ),
    (
        "start after closing",
        OFFICE_BERLIN,
        "2025-06-02T19:00+02:00",
        "2025-06-03T09:30+02:00",
        1800,
    ),
    ("empty interval", OFFICE_BERLIN, "2025-06-02T10:00+02:00", "2025-06-02T10:00+02:00", 0),
    (
        "a whole week",
        OFFICE_BERLIN,
        "2025-06-02T00:00+02:00",
        "2025-06-09T00:00+02:00",
        5 * 9 * 3600,
    ),
    ("other offset, same instants", OFFICE_BERLIN, "2025-06-02T07:00Z", "2025-06-02T08:00Z", 3600),
    (
        "split shift lunch skipped",
        SPLIT_SHANGHAI,
        "2025-09-30T11:30+08:00",
        "2025-09-30T14:00+08:00",
        3600,
    ),
    (
        "holiday week skipped",
        SPLIT_SHANGHAI,
        "2025-09-30T17:00+08:00",
        "2025-10-08T10:00+08:00",
        2 * 3600,
    ),
    (
        "make-up Sunday override",
        SPLIT_SHANGHAI,
        "2025-09-28T00:00+08:00",
        "2025-09-29T00:00+08:00",
        9 * 3600,
    ),
    (
        "half-day override",
        SPLIT_SHANGHAI,
        "2025-12-24T00:00+08:00",
        "2025-12-25T00:00+08:00",
        4 * 3600,
    ),
    (
        "empty override closes a Monday",
        SPLIT_SHANGHAI,
        "2025-11-03T00:00+08:00",
        "2025-11-04T00:00+08:00",
        0,
    ),
    ("overnight shift", NIGHT_SHIFT_UTC, "2025-06-09T21:00Z", "2025-06-10T07:00Z", 8 * 3600),
    (
        "Friday night runs into Saturday",
        NIGHT_SHIFT_UTC,
        "2025-06-06T22:00Z",
        "2025-06-07T12:00Z",
        8 * 3600,
    ),
    (
        "no Sunday window, no Monday spill",
        NIGHT_SHIFT_UTC,
        "2025-06-09T00:00Z",
        "2025-06-09T06:00Z",
        0,
    ),
    # Holiday Wed 06-11 closes Wed 00:00-24:00 only: Tue 22-24 and Thu 00-06 still run.
    (
        "holiday closes its own date only",
        NIGHT_SHIFT_UTC,
        "2025-06-10T20:00Z",
        "2025-06-12T08:00Z",
        8 * 3600,
    ),
    ("24x7", TWENTY_FOUR_SEVEN_BERLIN, "2025-06-07T12:00+02:00", "2025-06-08T12:00+02:00", 86400),
    (
        "version change",
        VERSIONED_UTC,
        "2025-06-30T08:00Z",
        "2025-07-01T21:00Z",
        8 * 3600 + 12 * 3600,
    ),
]


@pytest.mark.parametrize(
    ("case", "calendar", "a", "b", "expected"), BUSINESS_CASES, ids=[c[0] for c in BUSINESS_CASES]
)
def test_business_seconds(
    case: str, calendar: dict[str, Any], a: str, b: str, expected: int
) -> None:
    """Business time is the open seconds in [a, b) as computed by hand for each case."""
    assert compiled(calendar).business_seconds(at(a), at(b)) == expected


DEADLINE_CASES: list[tuple[str, dict[str, Any], str, int, str]] = [
    # (case, calendar, start, target minutes, expected deadline)
    (
        "deadline on a closing time",
        OFFICE_BERLIN,
        "2025-06-06T17:00+02:00",
        60,
        "2025-06-06T18:00+02:00",
    ),
    (
        "one minute more crosses the weekend",
        OFFICE_BERLIN,
        "2025-06-06T17:00+02:00",
        61,
        "2025-06-09T09:01+02:00",
    ),
    ("start on a Saturday", OFFICE_BERLIN, "2025-06-07T12:00+02:00", 30, "2025-06-09T09:30+02:00"),
    (
        "zero target gives start, even closed",
        OFFICE_BERLIN,
        "2025-06-07T12:00+02:00",
        0,
        "2025-06-07T12:00+02:00",
    ),
    (
        "zero target at a closing time",
        OFFICE_BERLIN,
        "2025-06-06T18:00+02:00",
        0,
        "2025-06-06T18:00+02:00",
    ),
    (
        "a full day ends at closing",
        OFFICE_BERLIN,
        "2025-06-02T08:00+02:00",
        540,
        "2025-06-02T18:00+02:00",
    ),
    ("split shift", SPLIT_SHANGHAI, "2025-09-30T11:00+08:00", 120, "2025-09-30T14:30+08:00"),
    (
        "lunch break closing time",
        SPLIT_SHANGHAI,
        "2025-09-30T11:00+08:00",
        60,
        "2025-09-30T12:00+08:00",
    ),
    (
        "holidays and weekend",
        SPLIT_SHANGHAI,
        "2025-09-30T17:00+08:00",
        90,
        "2025-10-08T09:30+08:00",
    ),
    ("make-up Sunday", SPLIT_SHANGHAI, "2025-09-27T12:00+08:00", 60, "2025-09-28T10:00+08:00"),
    ("half day", SPLIT_SHANGHAI, "2025-12-24T12:00+08:00", 120, "2025-12-25T10:00+08:00"),
    ("closed Monday", SPLIT_SHANGHAI, "2025-10-31T17:00+08:00", 120, "2025-11-04T10:00+08:00"),
    ("overnight past holiday", NIGHT_SHIFT_UTC, "2025-06-10T23:00Z", 120, "2025-06-12T01:00+00:00"),
    ("24x7", TWENTY_FOUR_SEVEN_BERLIN, "2025-06-07T12:00+02:00", 90, "2025-06-07T13:30+02:00"),
    ("version change", VERSIONED_UTC, "2025-06-30T16:00Z", 120, "2025-07-01T09:00+00:00"),
]


@pytest.mark.parametrize(
    ("case", "calendar", "start", "minutes", "expected"),
    DEADLINE_CASES,
    ids=[c[0] for c in DEADLINE_CASES],
)
def test_deadline(
    case: str, calendar: dict[str, Any], start: str, minutes: int, expected: str
) -> None:
    """The deadline is the earliest instant at which the target is reached (hand-computed)."""
    assert compiled(calendar).deadline(at(start), minutes * 60) == at(expected)


def test_deadline_is_an_aware_utc_instant() -> None:
    """Deadlines come back as aware UTC datetimes, whatever the input offset."""
    result = compiled(SPLIT_SHANGHAI).deadline(at("2025-09-30T11:00+08:00"), 3600)
    assert result.isoformat() == "2025-09-30T04:00:00+00:00"


def test_override_wins_over_holiday() -> None:
    """A date that is both a holiday and an override is open as the override says."""
    calendar = {
        "timezone": "UTC",
        "weekly": "24x7",
        "holidays": ["2025-10-10"],
        "overrides": {"2025-10-10": [["10:00", "12:00"]]},
    }
    assert (
        compiled(calendar).business_seconds(at("2025-10-10T00:00Z"), at("2025-10-11T00:00Z"))
        == 7200
    )


def test_override_replaces_the_previous_evenings_overnight_part() -> None:
    """An override decides its whole date: Tuesday's night shift stops at midnight."""
    calendar = dict(NIGHT_SHIFT_UTC, overrides={"2025-06-11": [["09:00", "10:00"]]}, holidays=[])
    # Tue 22:00-24:00 (2 h) + Wed 09:00-10:00 override (1 h); Wed has no night shift of its
    # own, so nothing spills into Thursday either.
    result = compiled(calendar).business_seconds(at("2025-06-10T20:00Z"), at("2025-06-12T08:00Z"))
    assert result == 3 * 3600


def test_overnight_override_runs_into_next_date() -> None:
    """An overnight window in an override continues after midnight on a plain next date."""
    calendar = {"timezone": "UTC", "weekly": {}, "overrides": {"2025-06-07": [["20:00", "02:00"]]}}
    result = compiled(calendar).business_seconds(at("2025-06-07T00:00Z"), at("2025-06-09T00:00Z"))
    assert result == 6 * 3600


def test_overnight_window_before_a_version_change_uses_old_windows() -> None:
    """A Sunday night window of the old version still runs after midnight into the new one."""
    calendar = {
        "timezone": "UTC",
        "weekly": {"sun": [["22:00", "04:00"]]},
        "versions": [{"from": "2025-06-02", "weekly": {"mon": [["09:00", "10:00"]]}}],
    }
    # Sun 06-01 22:00 -> Mon 06-02 04:00 (6 h, old version) + Mon 09:00-10:00 (1 h, new).
    result = compiled(calendar).business_seconds(at("2025-06-01T00:00Z"), at("2025-06-03T00:00Z"))
    assert result == 7 * 3600


def test_windows_24_00_end_and_adjacent_windows_merge() -> None:
    """'24:00' ends the day and touching windows of consecutive days count once."""
    calendar = {
        "timezone": "UTC",
        "weekly": {"mon": [["20:00", "24:00"]], "tue": [["00:00", "03:00"]]},
    }
    cal = compiled(calendar)
    assert cal.business_seconds(at("2025-06-02T00:00Z"), at("2025-06-04T00:00Z")) == 7 * 3600
    assert cal.deadline(at("2025-06-02T23:00Z"), 2 * 3600) == at("2025-06-03T01:00Z")
