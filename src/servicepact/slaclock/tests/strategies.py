"""Hypothesis strategies: random calendars (raw JSON), instants and pauses around DST."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from hypothesis import strategies as st

DAY_NAMES = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
ZONES = [
    "UTC",
    "America/New_York",
    "Europe/Berlin",
    "Australia/Sydney",
    "Asia/Kathmandu",
    "America/Santiago",
    "Australia/Lord_Howe",
    "Asia/Shanghai",
]
# DST transition dates of 2025 (and an ordinary date) to centre the instants on.
ANCHORS = [
    date(2025, 3, 9),
    date(2025, 11, 2),
    date(2025, 3, 30),
    date(2025, 10, 26),
    date(2025, 4, 6),
    date(2025, 10, 5),
    date(2025, 4, 5),
    date(2025, 9, 7),
    date(2025, 6, 15),
]
QUARTERS_PER_DAY = 96


def hhmm(quarters: int) -> str:
    return f"{quarters // 4:02d}:{quarters % 4 * 15:02d}"


@st.composite
def window_list(draw: st.DrawFn, floor: int = 0, allow_overnight: bool = True) -> list[list[str]]:
    """0-3 disjoint windows on a quarter-hour grid at or after ``floor``, maybe one overnight."""
    count = draw(st.integers(0, 3))
    if QUARTERS_PER_DAY - floor < 2 * count + 1:
        count = 0
    points = sorted(
        draw(
            st.lists(
                st.integers(floor, QUARTERS_PER_DAY),
                min_size=2 * count,
                max_size=2 * count,
                unique=True,
            )
        )
    )
    windows = [[hhmm(points[i]), hhmm(points[i + 1])] for i in range(0, len(points), 2)]
    last_end = points[-1] if points else floor
    if allow_overnight and last_end < QUARTERS_PER_DAY - 1 and draw(st.booleans()):
        start = draw(st.integers(max(last_end, 1), QUARTERS_PER_DAY - 1))
        end = draw(st.integers(0, min(16, start - 1)))
        windows.append([hhmm(start), hhmm(end)])
    return windows


@st.composite
def weekly(draw: st.DrawFn) -> Any:
    if draw(st.integers(0, 9)) == 0:
        return "24x7"
    days: list[list[list[str]]] = []
    spill = 0
    for _ in range(7):
        days.append(draw(window_list(floor=spill)))
        spill = _spill_end(days[-1])
    # Sunday's overnight part must not overlap Monday's windows: drop Monday's early ones.
    days[0] = [w for w in days[0] if _quarters(w[0]) >= spill or _is_overnight(w)]
    if spill and any(_is_overnight(w) and _quarters(w[0]) < spill for w in days[0]):
        days[0] = [w for w in days[0] if not _is_overnight(w)]
    # Closed days are sometimes listed as [] and sometimes left out.
    listed = [bool(windows) or draw(st.booleans()) for windows in days]
    return {name: w for name, w, keep in zip(DAY_NAMES, days, listed, strict=True) if keep}


def _quarters(text: str) -> int:
    hours, minutes = text.split(":")
    return int(hours) * 4 + int(minutes) // 15


def _is_overnight(window: list[str]) -> bool:
    return _quarters(window[1]) <= _quarters(window[0])


def _spill_end(windows: list[list[str]]) -> int:
    return max((_quarters(w[1]) for w in windows if _is_overnight(w)), default=0)


@st.composite
def scenario(draw: st.DrawFn) -> tuple[dict[str, Any], date]:
    """A random calendar and the date its test instants centre on."""
    anchor = draw(st.sampled_from(ANCHORS))
    near = st.integers(-5, 5).map(lambda d: (anchor + timedelta(days=d)).isoformat())
    calendar: dict[str, Any] = {"timezone": draw(st.sampled_from(ZONES)), "weekly": draw(weekly())}
    calendar["holidays"] = sorted(draw(st.sets(near, max_size=3)))
    override_dates = draw(st.sets(near, max_size=3))
    calendar["overrides"] = {d: draw(window_list()) for d in sorted(override_dates)}
    if draw(st.booleans()):
        calendar["versions"] = [{"from": draw(near), "weekly": draw(weekly())}]
    return calendar, anchor


def minute_instant(anchor: date, minutes: int) -> int:
    return (
        int(datetime(anchor.year, anchor.month, anchor.day, tzinfo=UTC).timestamp()) + minutes * 60
    )


@st.composite
def pause_list(draw: st.DrawFn, lo: int, hi: int) -> list[tuple[int, int]]:
    """Up to three minute-aligned pauses (maybe overlapping) around [lo, hi]."""
    result = []
    for _ in range(draw(st.integers(0, 3))):
        start = draw(st.integers(lo // 60 - 360, hi // 60 + 360)) * 60
        result.append((start, start + draw(st.integers(0, 24 * 60)) * 60))
    return result
