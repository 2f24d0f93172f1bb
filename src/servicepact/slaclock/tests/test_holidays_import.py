"""holiday_dates imports public holidays as data from the holidays package."""

from __future__ import annotations

from datetime import date

import pytest

from servicepact.slaclock import holiday_dates, holidays_json, parse_calendar


@pytest.mark.parametrize(
    ("country", "subdiv", "day", "name_part"),
    [
        ("US", None, date(2025, 7, 4), "Independence Day"),
        ("DE", None, date(2025, 10, 3), "German Unity"),
        ("GB", None, date(2025, 12, 25), "Christmas"),
        ("CN", None, date(2025, 10, 1), "National Day"),
        ("DE", "BY", date(2025, 1, 6), "Epiphany"),
    ],
)
def test_known_holidays(country: str, subdiv: str | None, day: date, name_part: str) -> None:
    """Well-known holidays are present, with their names."""
    names = dict(holiday_dates(country, [2025], subdiv))
    assert name_part in names[day]


def test_sorted_and_limited_to_the_years() -> None:
    """Results are sorted by date and contain only the requested years."""
    result = holiday_dates("US", [2026, 2025])
    assert [d for d, _ in result] == sorted(d for d, _ in result)
    assert {d.year for d, _ in result} == {2025, 2026}
    assert date(2025, 1, 1) in dict(result)


def test_unknown_country() -> None:
    """An unknown country code is a ValueError naming it."""
    with pytest.raises(ValueError, match="'XX'"):
        holiday_dates("XX", [2025])


def test_holidays_json_feeds_a_calendar() -> None:
    """holidays_json output is valid for the calendar's "holidays" field."""
    spec = parse_calendar(
        {"timezone": "America/New_York", "weekly": "24x7", "holidays": holidays_json("US", [2025])}
    )
    assert date(2025, 11, 27) in spec.holidays
