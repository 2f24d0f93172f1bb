"""Property tests: the engine against the independent brute-force oracle, and its algebra."""

from __future__ import annotations

import os
from datetime import UTC, date, datetime, timedelta
from typing import Any

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from servicepact.slaclock import (
    ClockEvent,
    ClockEventKind,
    CompiledCalendar,
    PauseSet,
    SpanError,
    business_seconds_many_mixed,
    compile_calendar,
    deadline_many_mixed,
    evaluate_clock,
    evaluate_clocks,
    parse_calendar,
)
from servicepact.slaclock.tests.oracle import Oracle
from servicepact.slaclock.tests.strategies import minute_instant, pause_list, scenario

# 200 examples per property keeps the suite fast; SLACLOCK_EXAMPLES=5000 for a deep run.
EXAMPLES = int(os.environ.get("SLACLOCK_EXAMPLES", "200"))
ORACLE = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
FAST = ORACLE


def engine(calendar: dict[str, Any], anchor: date) -> CompiledCalendar:
    return compile_calendar(
        parse_calendar(calendar), anchor - timedelta(days=8), anchor + timedelta(days=20)
    )


def utc(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


def as_datetimes(pauses: list[tuple[int, int]]) -> list[tuple[datetime, datetime]]:
    return [(utc(a), utc(b)) for a, b in pauses]


@st.composite
def interval_case(draw: st.DrawFn) -> tuple[dict[str, Any], date, int, int, list[tuple[int, int]]]:
    calendar, anchor = draw(scenario())
    a = minute_instant(anchor, draw(st.integers(-2 * 1440, 2 * 1440)))
    b = a + draw(st.integers(0, 3 * 1440)) * 60
    return calendar, anchor, a, b, draw(pause_list(a, b))


@ORACLE
@given(interval_case())
def test_business_seconds_matches_oracle(
    case: tuple[dict[str, Any], date, int, int, list[tuple[int, int]]],
) -> None:
    """Business time over random calendars, zones, DST dates and pauses equals the oracle's."""
    calendar, anchor, a, b, pauses = case
    expected = Oracle(calendar).business(a, b, pauses)
    assert (
        engine(calendar, anchor).business_seconds(utc(a), utc(b), as_datetimes(pauses)) == expected
    )


@ORACLE
@given(interval_case(), st.integers(0, 12 * 3600))
def test_deadline_matches_oracle(
    case: tuple[dict[str, Any], date, int, int, list[tuple[int, int]]], target: int
) -> None:
    """The deadline (any target in seconds) equals the oracle's; SpanError iff it is out of span."""
    calendar, anchor, start, _, pauses = case
    compiled = engine(calendar, anchor)
    expected = Oracle(calendar).deadline(start, target, pauses, limit=compiled.span_end)
    try:
        result: int | None = int(
            compiled.deadline(utc(start), target, as_datetimes(pauses)).timestamp()
        )
    except SpanError:
        result = None
    assert result == expected


@ORACLE
@given(scenario(), st.integers(-2 * 1440, 2 * 1440))
def test_is_open_matches_oracle(drawn: tuple[dict[str, Any], date], minute: int) -> None:
    """is_open agrees with the oracle minute by minute."""
    calendar, anchor = drawn
    instant = minute_instant(anchor, minute)
    assert engine(calendar, anchor).is_open(utc(instant)) == Oracle(calendar).is_open(instant)


@st.composite
def seconds_case(draw: st.DrawFn) -> tuple[dict[str, Any], date, int, int, list[tuple[int, int]]]:
    """Like interval_case but with instants at any second."""
    calendar, anchor = draw(scenario())
    a = minute_instant(anchor, 0) + draw(st.integers(-2 * 86400, 2 * 86400))
    b = a + draw(st.integers(0, 3 * 86400))
    pauses = [(p + draw(st.integers(0, 59)), q) for p, q in draw(pause_list(a, b))]
    return calendar, anchor, a, b, [(p, max(p, q)) for p, q in pauses]


@FAST
@given(seconds_case(), st.integers(0, 10 * 3600), st.integers(0, 3600))
def test_elapsed_of_deadline_is_target_and_monotone(
    case: tuple[dict[str, Any], date, int, int, list[tuple[int, int]]], target: int, more: int
) -> None:
    """elapsed(s, deadline(s, d)) == d; deadlines grow with target and start; elapsed grows with b."""
    calendar, anchor, start, later, pauses = case
    cal = engine(calendar, anchor)
    pauses_dt = as_datetimes(pauses)
    try:
        first = cal.deadline(utc(start), target, pauses_dt)
        second = cal.deadline(utc(start), target + more, pauses_dt)
        shifted = cal.deadline(utc(later), target, pauses_dt)
    except SpanError:
        return  # a sparse calendar may have no deadline within the span
    assert cal.business_seconds(utc(start), first, pauses_dt) == target
    assert first <= second
    assert first <= shifted
    assert cal.business_seconds(utc(start), utc(start), pauses_dt) == 0
    assert (
        cal.business_seconds(utc(start), utc(later), pauses_dt)
        <= cal.business_seconds(utc(start), utc(later + more), pauses_dt)
        if later + more <= cal.span_end
        else True
    )


@st.composite
def batch_case(
    draw: st.DrawFn,
) -> tuple[
    list[tuple[dict[str, Any], date]], list[tuple[int, int, int, int, list[tuple[int, int]]]]
]:
    scenarios = draw(st.lists(scenario(), min_size=1, max_size=3))
    rows = []
    for _ in range(draw(st.integers(1, 25))):
        which = draw(st.integers(0, len(scenarios) - 1))
        anchor = scenarios[which][1]
        a = minute_instant(anchor, 0) + draw(st.integers(-2 * 86400, 2 * 86400))
        b = a + draw(st.integers(0, 2 * 86400))
        rows.append((which, a, b, draw(st.integers(0, 6 * 3600)), draw(pause_list(a, b))))
    return scenarios, rows


def _scalar_deadline(
    cal: CompiledCalendar, a: int, target: int, pauses: list[tuple[int, int]]
) -> int | None:
    try:
        return int(cal.deadline(utc(a), target, as_datetimes(pauses)).timestamp())
    except SpanError:
        return None


@FAST
@given(batch_case())
def test_bulk_and_mixed_match_scalar(
    case: tuple[
        list[tuple[dict[str, Any], date]], list[tuple[int, int, int, int, list[tuple[int, int]]]]
    ],
) -> None:
    """The bulk, mixed-calendar bulk and scalar paths give identical numbers row by row."""
    scenarios, rows = case
    cals = [engine(calendar, anchor) for calendar, anchor in scenarios]
    which = np.array([r[0] for r in rows])
    a = np.array([r[1] for r in rows], dtype=np.int64)
    b = np.array([r[2] for r in rows], dtype=np.int64)
    target = np.array([r[3] for r in rows], dtype=np.int64)
    pauses = PauseSet.from_rows([r[4] for r in rows])
    scalar_elapsed = [
        cals[w].business_seconds(utc(x), utc(y), as_datetimes(p)) for w, x, y, _, p in rows
    ]
    assert business_seconds_many_mixed(cals, which, a, b, pauses).tolist() == scalar_elapsed
    scalar_deadlines = [_scalar_deadline(cals[w], x, t, p) for w, x, _, t, p in rows]
    if None in scalar_deadlines:
        return
    assert deadline_many_mixed(cals, which, a, target, pauses).tolist() == scalar_deadlines
    for index, cal in enumerate(cals):
        mine = which == index
        mine_pauses = PauseSet.from_rows([r[4] for r in rows if r[0] == index])
        assert cal.deadline_many(a[mine], target[mine], mine_pauses).tolist() == [
            d for d, w in zip(scalar_deadlines, which.tolist(), strict=True) if w == index
        ]
        assert cal.business_seconds_many(a[mine], b[mine], mine_pauses).tolist() == [
            e for e, w in zip(scalar_elapsed, which.tolist(), strict=True) if w == index
        ]


@st.composite
def clocks_case(
    draw: st.DrawFn,
) -> tuple[tuple[dict[str, Any], date], int, list[tuple[int, list[ClockEvent]]]]:
    """One calendar, ``now``, and up to 12 clocks: each a target and events (start, pause,
    resume, stop in any order, some after ``now``; some clocks never start)."""
    drawn = draw(scenario())
    anchor = drawn[1]
    now = minute_instant(anchor, 0) + draw(st.integers(0, 3 * 86400))
    kinds = st.sampled_from(list(ClockEventKind))
    clocks = []
    for _ in range(draw(st.integers(1, 12))):
        events = [
            ClockEvent(
                at=utc(minute_instant(anchor, 0) + draw(st.integers(-86400, 4 * 86400))),
                kind=draw(kinds),
            )
            for _ in range(draw(st.integers(0, 6)))
        ]
        clocks.append((draw(st.integers(0, 12 * 3600)), events))
    return drawn, now, clocks


def _outcome(evaluate: Any) -> Any:
    try:
        return evaluate()
    except (SpanError, ValueError) as exc:
        return type(exc), str(exc)


@FAST
@given(clocks_case())
def test_evaluate_clocks_matches_evaluate_clock(
    case: tuple[tuple[dict[str, Any], date], int, list[tuple[int, list[ClockEvent]]]],
) -> None:
    """The bulk clock evaluation equals evaluating each clock alone: every field, every
    instant derived from the result, and the same error when one clock cannot be evaluated."""
    (calendar, anchor), now, clocks = case
    cal = engine(calendar, anchor)
    one = [_outcome(lambda t=t, e=e: evaluate_clock(cal, t, e, utc(now))) for t, e in clocks]
    errors = [o for o in one if isinstance(o, tuple)]
    many = _outcome(lambda: evaluate_clocks(cal, clocks, utc(now)))
    if errors:
        assert many == errors[0]
        return
    assert many == one
    for alone, bulk in zip(one, many, strict=True):
        for f in (0.5, 0.75, 0.9):
            assert _outcome(lambda b=bulk, f=f: b.instant_at_fraction(f)) == _outcome(
                lambda a=alone, f=f: a.instant_at_fraction(f)
            )
