"""is_open, next_open, next_close, span limits and input checks of the query API."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from servicepact.slaclock import SpanError, compile_calendar, parse_calendar
from servicepact.slaclock.tests.support import OFFICE_BERLIN, at, compiled


def test_is_open_respects_half_open_windows() -> None:
    """Open at 09:00:00 and 17:59:59, closed at 18:00:00 and 08:59:59."""
    cal = compiled(OFFICE_BERLIN)
    assert cal.is_open(at("2025-06-02T09:00:00+02:00"))
    assert cal.is_open(at("2025-06-02T17:59:59+02:00"))
    assert not cal.is_open(at("2025-06-02T18:00:00+02:00"))
    assert not cal.is_open(at("2025-06-02T08:59:59+02:00"))


def test_next_open() -> None:
    """next_open is t itself when open, else the next opening (Friday evening -> Monday 09:00)."""
    cal = compiled(OFFICE_BERLIN)
    assert cal.next_open(at("2025-06-02T10:00+02:00")) == at("2025-06-02T10:00+02:00")
    assert cal.next_open(at("2025-06-06T18:00+02:00")) == at("2025-06-09T09:00+02:00")
    assert cal.next_open(at("2025-06-02T08:59:59+02:00")) == at("2025-06-02T09:00+02:00")


def test_next_close() -> None:
    """next_close is the end of the current window, or t itself when closed."""
    cal = compiled(OFFICE_BERLIN)
    assert cal.next_close(at("2025-06-02T10:00+02:00")) == at("2025-06-02T18:00+02:00")
    assert cal.next_close(at("2025-06-07T10:00+02:00")) == at("2025-06-07T10:00+02:00")


def test_next_close_never_guesses_past_the_span() -> None:
    """A 24x7 calendar is open to the span end: next_close raises instead of guessing."""
    cal = compile_calendar(
        parse_calendar({"timezone": "UTC", "weekly": "24x7"}), date(2025, 1, 1), date(2025, 1, 31)
    )
    with pytest.raises(SpanError):
        cal.next_close(at("2025-01-10T00:00Z"))


def test_span_boundaries() -> None:
    """The span runs from local midnight of the first date to local midnight after the last."""
    cal = compile_calendar(parse_calendar(OFFICE_BERLIN), date(2025, 6, 2), date(2025, 6, 6))
    assert cal.span_start == int(at("2025-06-02T00:00+02:00").timestamp())
    assert cal.span_end == int(at("2025-06-07T00:00+02:00").timestamp())
    assert (
        cal.business_seconds(at("2025-06-02T00:00+02:00"), at("2025-06-07T00:00+02:00"))
        == 5 * 9 * 3600
    )


@pytest.mark.parametrize(
    ("start", "minutes"),
    [("2025-06-01T23:59+02:00", 0), ("2025-06-07T00:01+02:00", 0), ("2025-06-06T17:00+02:00", 61)],
)
def test_queries_outside_the_span_raise(start: str, minutes: int) -> None:
    """Starts outside the span, and deadlines beyond it, raise SpanError."""
    cal = compile_calendar(parse_calendar(OFFICE_BERLIN), date(2025, 6, 2), date(2025, 6, 6))
    with pytest.raises(SpanError):
        cal.deadline(at(start), minutes * 60)


def test_bulk_span_error_names_the_row() -> None:
    """A bulk query reports the first row that leaves the span."""
    cal = compile_calendar(parse_calendar(OFFICE_BERLIN), date(2025, 6, 2), date(2025, 6, 6))
    start = int(at("2025-06-02T09:00+02:00").timestamp())
    with pytest.raises(SpanError, match="row 1") as caught:
        cal.deadline_many([start, start, start], [60, 10**7, 60])
    assert caught.value.row == 1


def test_bulk_input_checks() -> None:
    """Negative targets, b before a and mismatched lengths are rejected."""
    cal = compiled(OFFICE_BERLIN)
    start = int(at("2025-06-02T09:00+02:00").timestamp())
    with pytest.raises(ValueError, match="negative"):
        cal.deadline_many([start], [-1])
    with pytest.raises(ValueError, match="b is before a"):
        cal.business_seconds_many([start], [start - 1])
    with pytest.raises(ValueError, match="same length"):
        cal.deadline_many([start, start], [1])
    with pytest.raises(ValueError, match="before"):
        cal.business_seconds(at("2025-06-02T10:00+02:00"), at("2025-06-02T09:00+02:00"))


def test_bulk_returns_int64_and_handles_empty_input() -> None:
    """Bulk results are int64 arrays; empty input gives empty output."""
    cal = compiled(OFFICE_BERLIN)
    empty = np.array([], dtype=np.int64)
    assert cal.deadline_many(empty, empty).dtype == np.int64
    assert cal.business_seconds_many(empty, empty).size == 0


def test_sub_second_inputs_are_floored() -> None:
    """Instants are floored to whole seconds: 09:00:00.9 counts as 09:00:00."""
    cal = compiled(OFFICE_BERLIN)
    assert (
        cal.business_seconds(
            at("2025-06-02T09:00:00.900+02:00"), at("2025-06-02T09:00:01.100+02:00")
        )
        == 1
    )
    assert cal.deadline(at("2025-06-02T09:00:00.900+02:00"), 60) == at("2025-06-02T09:01:00+02:00")


def test_closed_calendar_has_no_deadline() -> None:
    """A calendar that never opens raises SpanError for any positive target."""
    cal = compiled({"timezone": "UTC", "weekly": {}})
    with pytest.raises(SpanError):
        cal.deadline(at("2025-06-02T09:00Z"), 1)
    assert cal.deadline(at("2025-06-02T09:00Z"), 0) == at("2025-06-02T09:00Z")


def test_bulk_rejects_targets_that_could_overflow() -> None:
    """Targets beyond 2**53 seconds are refused instead of overflowing int64 arithmetic."""
    cal = compiled(OFFICE_BERLIN)
    start = int(at("2025-06-02T09:00+02:00").timestamp())
    with pytest.raises(ValueError, match="too large"):
        cal.deadline_many([start], [2**62])
    with pytest.raises(ValueError, match="between 0 and"):
        cal.deadline(at("2025-06-02T09:00+02:00"), 2**62)


def test_mixed_calendars_in_one_batch() -> None:
    """Each row uses its own calendar: Berlin office hours, 24x7 Tokyo, and Berlin again."""
    from servicepact.slaclock import business_seconds_many_mixed, deadline_many_mixed

    berlin = compiled(OFFICE_BERLIN)
    tokyo = compiled({"timezone": "Asia/Tokyo", "weekly": "24x7"})
    friday_five_pm = int(at("2025-06-06T17:00+02:00").timestamp())
    starts = [friday_five_pm] * 3
    deadlines = deadline_many_mixed([berlin, tokyo], [0, 1, 0], starts, [3600, 3600, 7200])
    assert deadlines.tolist() == [
        int(at("2025-06-06T18:00+02:00").timestamp()),  # closing time
        friday_five_pm + 3600,  # always open
        int(at("2025-06-09T10:00+02:00").timestamp()),  # Friday hour + Monday hour
    ]
    ends = [int(at("2025-06-09T10:00+02:00").timestamp())] * 3
    elapsed = business_seconds_many_mixed([berlin, tokyo], [0, 1, 0], starts, ends)
    assert elapsed.tolist() == [7200, 65 * 3600, 7200]


def test_mixed_span_check_finds_the_row_outside_its_own_calendar() -> None:
    """The mixed queries check each row against its own calendar's span: a row inside the
    other calendar's span but outside its own is refused (by its row number), with one
    calendar or two (the check looks per row only when some value lies outside a span).
    One calendar (no per-row look-ups) answers as two copies of it do."""
    from servicepact.slaclock import business_seconds_many_mixed, deadline_many_mixed

    june = compile_calendar(
        parse_calendar({"timezone": "UTC", "weekly": "24x7"}), date(2025, 6, 1), date(2025, 6, 30)
    )
    july = compile_calendar(
        parse_calendar({"timezone": "UTC", "weekly": "24x7"}), date(2025, 7, 1), date(2025, 7, 31)
    )
    in_june = int(at("2025-06-10T00:00Z").timestamp())
    in_july = int(at("2025-07-10T00:00Z").timestamp())
    with pytest.raises(SpanError) as refused:
        deadline_many_mixed([june, july], [0, 0, 1], [in_june, in_july, in_july], [60] * 3)
    assert refused.value.row == 1
    with pytest.raises(SpanError) as refused:
        business_seconds_many_mixed([june, july], [1, 0], [in_july, in_june], [in_july, in_july])
    assert refused.value.row == 1
    with pytest.raises(SpanError) as refused:
        deadline_many_mixed([june], [0, 0], [in_june, in_july], [60, 60])
    assert refused.value.row == 1
    # Every value inside every span: the same answers with one calendar as with two copies.
    starts = np.array([in_june, in_june + 3600], dtype=np.int64)
    one = deadline_many_mixed([june], [0, 0], starts, [60, 120])
    two = deadline_many_mixed([june, june], [0, 1], starts, [60, 120])
    assert one.tolist() == two.tolist() == [in_june + 60, in_june + 3600 + 120]
    assert business_seconds_many_mixed([june], [0, 0], starts, starts + 5).tolist() == [5, 5]
