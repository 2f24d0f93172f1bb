"""DST: real seconds, boundaries in gaps move past the gap, ambiguous ones take the earliest.

Transitions used (2025): New York Mar 9 02:00 EST->03:00 EDT and Nov 2 02:00 EDT->01:00
EST; Berlin Mar 30 02:00->03:00 and Oct 26 03:00->02:00; Sydney Apr 6 03:00 AEDT->02:00
AEST and Oct 5 02:00 AEST->03:00 AEDT; Santiago Apr 6 00:00 -03->Apr 5 23:00 -04 and
Sep 7 00:00 -04->01:00 -03; Kathmandu is +05:45 all year.
"""

from __future__ import annotations

from typing import Any

import pytest

from servicepact.slaclock.tests.support import at, compiled


def on(zone: str, day: str, *windows: list[str]) -> dict[str, Any]:
    """A calendar open only on weekday ``day`` with ``windows``."""
    return {"timezone": zone, "weekly": {day: [list(w) for w in windows]}}


def always(zone: str) -> dict[str, Any]:
    return {"timezone": zone, "weekly": "24x7"}


BUSINESS_CASES: list[tuple[str, dict[str, Any], str, str, int]] = [
    (
        "NY 24x7 spring day has 23 h",
        always("America/New_York"),
        "2025-03-09T00:00-05:00",
        "2025-03-10T00:00-04:00",
        23 * 3600,
    ),
    (
        "NY 24x7 fall day has 25 h",
        always("America/New_York"),
        "2025-11-02T00:00-04:00",
        "2025-11-03T00:00-05:00",
        25 * 3600,
    ),
    # 02:30 does not exist on Mar 9: the window opens at 03:00 EDT (07:00Z) and closes 05:00 EDT.
    (
        "NY start in gap",
        on("America/New_York", "sun", ["02:30", "05:00"]),
        "2025-03-09T00:00Z",
        "2025-03-10T00:00Z",
        2 * 3600,
    ),
    (
        "NY same window a week later",
        on("America/New_York", "sun", ["02:30", "05:00"]),
        "2025-03-16T00:00Z",
        "2025-03-17T00:00Z",
        9000,
    ),
    (
        "NY window inside the gap",
        on("America/New_York", "sun", ["02:10", "02:50"]),
        "2025-03-09T00:00Z",
        "2025-03-10T00:00Z",
        0,
    ),
    # 01:00 EST (06:00Z) to the end of the gap, 03:00 EDT (07:00Z).
    (
        "NY end in gap",
        on("America/New_York", "sun", ["01:00", "02:30"]),
        "2025-03-09T00:00Z",
        "2025-03-10T00:00Z",
        3600,
    ),
    # 01:30 is ambiguous on Nov 2: earliest is 01:30 EDT (05:30Z); 03:00 EST is 08:00Z.
    (
        "NY ambiguous start",
        on("America/New_York", "sun", ["01:30", "03:00"]),
        "2025-11-02T00:00Z",
        "2025-11-03T00:00Z",
        9000,
    ),
    # Both boundaries ambiguous: [01:00 EDT, 01:30 EDT); the repeated 01:00-01:30 EST is outside.
    (
        "NY ambiguous window",
        on("America/New_York", "sun", ["01:00", "01:30"]),
        "2025-11-02T00:00Z",
        "2025-11-03T00:00Z",
        1800,
    ),
    (
        "Berlin 24x7 spring night",
        always("Europe/Berlin"),
        "2025-03-30T01:00+01:00",
        "2025-03-30T04:00+02:00",
        2 * 3600,
    ),
    # 02:00 ambiguous -> 02:00 CEST (00:00Z); 03:00 occurs once, 03:00 CET (02:00Z).
    (
        "Berlin ambiguous hour",
        on("Europe/Berlin", "sun", ["02:00", "03:00"]),
        "2025-10-26T00:00Z",
        "2025-10-27T00:00Z",
        2 * 3600,
    ),
    (
        "Berlin window is the gap",
        on("Europe/Berlin", "sun", ["02:00", "03:00"]),
        "2025-03-30T00:00Z",
        "2025-03-31T00:00Z",
        0,
    ),
    (
        "Sydney 24x7 spring day has 23 h",
        always("Australia/Sydney"),
        "2025-10-04T12:00+10:00",
        "2025-10-05T12:00+11:00",
        23 * 3600,
    ),
    # 02:00 in the gap -> 03:00 AEDT (16:00Z), close 04:00 AEDT (17:00Z).
    (
        "Sydney start in gap",
        on("Australia/Sydney", "sun", ["02:00", "04:00"]),
        "2025-10-04T00:00Z",
        "2025-10-06T00:00Z",
        3600,
    ),
    # 02:30 ambiguous -> 02:30 AEDT (15:30Z Apr 5); 03:00 AEST (17:00Z).
    (
        "Sydney ambiguous start",
        on("Australia/Sydney", "sun", ["02:30", "03:00"]),
        "2025-04-05T00:00Z",
        "2025-04-07T00:00Z",
        5400,
    ),
    # Kathmandu +05:45: 10:00 local is 04:15Z.
    (
        "Kathmandu quarter-hour offset",
        on("Asia/Kathmandu", "mon", ["10:00", "17:00"]),
        "2025-06-02T04:00Z",
        "2025-06-02T06:00Z",
        6300,
    ),
    # Sat Apr 5 22:00 -03 (01:00Z) to 24:00 = Sun 00:00 -04 (04:00Z): the repeated hour counts.
    (
        "Santiago ambiguous Saturday evening",
        on("America/Santiago", "sat", ["22:00", "24:00"]),
        "2025-04-05T00:00Z",
        "2025-04-07T00:00Z",
        3 * 3600,
    ),
    # Sun Sep 7 00:00 does not exist: open at 01:00 -03 (04:00Z) until 02:00 -03 (05:00Z).
    (
        "Santiago midnight gap",
        on("America/Santiago", "sun", ["00:00", "02:00"]),
        "2025-09-06T00:00Z",
        "2025-09-08T00:00Z",
        3600,
    ),
    # Overnight Sat 23:00 -04 (03:00Z) -> the gap swallows Sun 00:00-01:00: one real hour.
    (
        "Santiago overnight across gap",
        on("America/Santiago", "sat", ["23:00", "01:00"]),
        "2025-09-06T00:00Z",
        "2025-09-08T00:00Z",
        3600,
    ),
]


@pytest.mark.parametrize(
    ("case", "calendar", "a", "b", "expected"), BUSINESS_CASES, ids=[c[0] for c in BUSINESS_CASES]
)
def test_business_seconds_across_dst(
    case: str, calendar: dict[str, Any], a: str, b: str, expected: int
) -> None:
    """Business time across DST transitions counts real seconds (hand-computed)."""
    assert compiled(calendar).business_seconds(at(a), at(b)) == expected


DEADLINE_CASES: list[tuple[str, dict[str, Any], str, int, str]] = [
    (
        "NY 24 real hours over spring forward",
        always("America/New_York"),
        "2025-03-08T12:00-05:00",
        1440,
        "2025-03-09T13:00-04:00",
    ),
    (
        "NY deadline in the repeated hour",
        always("America/New_York"),
        "2025-11-01T23:00-04:00",
        180,
        "2025-11-02T01:00-05:00",
    ),
    (
        "NY window opening at the gap end",
        on("America/New_York", "sun", ["02:30", "05:00"]),
        "2025-03-08T12:00-05:00",
        30,
        "2025-03-09T03:30-04:00",
    ),
    (
        "Berlin 24 real hours over fall back",
        always("Europe/Berlin"),
        "2025-10-25T12:00+02:00",
        1440,
        "2025-10-26T11:00+01:00",
    ),
    (
        "Sydney ambiguous window",
        on("Australia/Sydney", "sun", ["02:30", "03:00"]),
        "2025-04-05T12:00+11:00",
        60,
        "2025-04-06T02:30+10:00",
    ),
    (
        "Kathmandu",
        on("Asia/Kathmandu", "mon", ["10:00", "17:00"]),
        "2025-06-02T00:00Z",
        60,
        "2025-06-02T11:00+05:45",
    ),
    (
        "Santiago 24 real hours over spring forward",
        always("America/Santiago"),
        "2025-09-06T12:00-04:00",
        1440,
        "2025-09-07T13:00-03:00",
    ),
    (
        "Santiago midnight gap",
        on("America/Santiago", "sun", ["00:00", "02:00"]),
        "2025-09-06T12:00-04:00",
        30,
        "2025-09-07T01:30-03:00",
    ),
]


@pytest.mark.parametrize(
    ("case", "calendar", "start", "minutes", "expected"),
    DEADLINE_CASES,
    ids=[c[0] for c in DEADLINE_CASES],
)
def test_deadline_across_dst(
    case: str, calendar: dict[str, Any], start: str, minutes: int, expected: str
) -> None:
    """Deadlines across DST transitions are in real seconds (hand-computed)."""
    assert compiled(calendar).deadline(at(start), minutes * 60) == at(expected)
