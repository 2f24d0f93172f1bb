"""Clock evaluation from ticket events (calendar Mon-Fri 09:00-18:00 Berlin, target 4 h)."""

from __future__ import annotations

from datetime import datetime

import pytest

from servicepact.slaclock import ClockEvent, ClockEventKind, ClockResult, ClockState, evaluate_clock
from servicepact.slaclock.tests.support import OFFICE_BERLIN, at, compiled

TARGET = 4 * 3600
START, PAUSE, RESUME, STOP = (
    ClockEventKind.START,
    ClockEventKind.PAUSE,
    ClockEventKind.RESUME,
    ClockEventKind.STOP,
)


def monday(hhmm: str) -> datetime:
    return at(f"2025-06-02T{hhmm}+02:00")


def clock(now: str, *events: tuple[ClockEventKind, str], target: int = TARGET) -> ClockResult:
    timeline = [ClockEvent(at=monday(when), kind=kind) for kind, when in events]
    return evaluate_clock(compiled(OFFICE_BERLIN), target, timeline, monday(now))


def test_running_clock() -> None:
    """One hour into a 4 h target: running, 3 h remaining, deadline 13:00."""
    result = clock("10:00", (START, "09:00"))
    assert result.state is ClockState.RUNNING
    assert (result.elapsed_seconds, result.remaining_seconds) == (3600, 3 * 3600)
    assert result.deadline == monday("13:00")
    assert result.breached_at is None
    assert result.fraction == 0.25
    assert result.started_at == monday("09:00") and result.stopped_at is None


def test_out_of_order_events_are_sorted() -> None:
    """Events given in any order are replayed by instant: pause 10-11 moves the deadline to 14:00."""
    result = clock("12:00", (RESUME, "11:00"), (START, "09:00"), (PAUSE, "10:00"))
    assert result.state is ClockState.RUNNING
    assert result.elapsed_seconds == 2 * 3600
    assert result.deadline == monday("14:00")
    assert result.pauses == ((monday("10:00"), monday("11:00")),)


def test_retroactive_pause_moves_the_deadline() -> None:
    """A pause inserted later for the past recomputes the clock: deadline 13:00 becomes 14:00."""
    assert clock("12:00", (START, "09:00")).deadline == monday("13:00")
    assert clock("12:00", (START, "09:00"), (PAUSE, "10:00"), (RESUME, "11:00")).deadline == monday(
        "14:00"
    )


def test_paused_clock_has_no_deadline() -> None:
    """While paused the clock has remaining time but no deadline; the open pause has no end."""
    result = clock("12:00", (START, "09:00"), (PAUSE, "10:00"))
    assert result.state is ClockState.PAUSED
    assert (result.elapsed_seconds, result.remaining_seconds) == (3600, 3 * 3600)
    assert result.deadline is None
    assert result.pauses == ((monday("10:00"), None),)
    assert result.instant_at_fraction(0.5) is None


def test_met_clock() -> None:
    """Stopped after 3 h of a 4 h target: met; the deadline is where it stood (13:00)."""
    result = clock("17:00", (START, "09:00"), (STOP, "12:00"))
    assert result.state is ClockState.MET
    assert result.elapsed_seconds == 3 * 3600
    assert result.stopped_at == monday("12:00")
    assert result.deadline == monday("13:00")
    assert result.breached_at is None and result.breached_by_seconds == 0
    assert result.fraction == 0.75


def test_running_clock_past_target_is_breached() -> None:
    """Five business hours into a 4 h target: breached at 13:00, by one hour, nothing remains."""
    result = clock("14:00", (START, "09:00"))
    assert result.state is ClockState.BREACHED
    assert (result.elapsed_seconds, result.remaining_seconds) == (5 * 3600, 0)
    assert result.breached_at == monday("13:00")
    assert result.breached_by_seconds == 3600
    assert result.fraction == 1.25


def test_stopped_late_is_breached() -> None:
    """Stopped at 15:00 on a 4 h target from 09:00: breached by 2 h."""
    result = clock("17:00", (START, "09:00"), (STOP, "15:00"))
    assert result.state is ClockState.BREACHED
    assert result.breached_by_seconds == 2 * 3600
    assert result.breached_at == monday("13:00")


def test_stop_exactly_on_target_is_met() -> None:
    """Stopping at the deadline itself is met; breached_at still marks the target instant."""
    result = clock("17:00", (START, "09:00"), (STOP, "13:00"))
    assert result.state is ClockState.MET
    assert result.breached_at == monday("13:00")
    assert result.breached_by_seconds == 0


def test_stop_after_a_closing_time_deadline_is_met() -> None:
    """Deadline Mon 18:00 (closing time); stopped 19:00 used exactly 4 business hours: met."""
    result = clock("20:00", (START, "14:00"), (STOP, "19:00"))
    assert result.deadline == monday("18:00")
    assert result.elapsed_seconds == TARGET
    assert result.state is ClockState.MET


def test_reopened_clock_continues_accumulating() -> None:
    """Stop 10:00, reopened 15:00: 1 h before + 1 h after; deadline 18:00 (2 h left at 16:00)."""
    result = clock("16:00", (START, "09:00"), (STOP, "10:00"), (START, "15:00"))
    assert result.state is ClockState.RUNNING
    assert result.elapsed_seconds == 2 * 3600
    assert result.stopped_at is None
    assert result.started_at == monday("09:00")
    assert result.deadline == monday("18:00")


def test_duplicate_and_inconsistent_events_are_ignored() -> None:
    """Second start, pause while paused, resume while running and a second stop change nothing."""
    result = clock(
        "17:00",
        (START, "09:00"),
        (START, "09:30"),
        (RESUME, "09:45"),
        (PAUSE, "10:00"),
        (PAUSE, "10:30"),
        (RESUME, "11:00"),
        (STOP, "12:00"),
        (STOP, "12:30"),
    )
    assert result.started_at == monday("09:00")
    assert result.pauses == ((monday("10:00"), monday("11:00")),)
    assert result.stopped_at == monday("12:00")
    assert result.elapsed_seconds == 2 * 3600


def test_resume_does_not_reopen_a_stopped_clock() -> None:
    """Only a start reopens: a resume after a stop is ignored."""
    result = clock("16:00", (START, "09:00"), (STOP, "10:00"), (RESUME, "11:00"))
    assert result.state is ClockState.MET
    assert result.elapsed_seconds == 3600


def test_same_instant_events_keep_their_given_order() -> None:
    """Ties are stable: pause then resume at 10:00 is a zero pause; resume then pause leaves it paused."""
    running = clock("11:00", (START, "09:00"), (PAUSE, "10:00"), (RESUME, "10:00"))
    assert running.state is ClockState.RUNNING and running.elapsed_seconds == 2 * 3600
    paused = clock("11:00", (START, "09:00"), (RESUME, "10:00"), (PAUSE, "10:00"))
    assert paused.state is ClockState.PAUSED and paused.elapsed_seconds == 3600


def test_events_after_now_are_not_yet_known() -> None:
    """A stop recorded for 12:00 does not apply when evaluating at 11:00."""
    result = clock("11:00", (START, "09:00"), (STOP, "12:00"))
    assert result.state is ClockState.RUNNING
    assert result.elapsed_seconds == 2 * 3600


def test_clock_without_start_is_pending() -> None:
    """No start at or before now: pending, nothing elapsed, no deadline."""
    result = clock("11:00", (PAUSE, "10:00"), (START, "12:00"))
    assert result.state is ClockState.PENDING
    assert (result.elapsed_seconds, result.remaining_seconds, result.fraction) == (0, TARGET, 0.0)
    assert result.deadline is None and result.started_at is None
    assert result.instant_at_fraction(0.5) is None


def test_pause_in_closed_time_changes_nothing() -> None:
    """A pause from 19:00 to Tue 08:00 does not move a deadline that was Tue 10:00."""
    events = [
        ClockEvent(at("2025-06-02T15:00+02:00"), START),
        ClockEvent(at("2025-06-02T19:00+02:00"), PAUSE),
        ClockEvent(at("2025-06-03T08:00+02:00"), RESUME),
    ]
    result = evaluate_clock(compiled(OFFICE_BERLIN), TARGET, events, at("2025-06-03T08:30+02:00"))
    assert result.deadline == at("2025-06-03T10:00+02:00")
    assert result.elapsed_seconds == 3 * 3600


def test_paused_after_breach() -> None:
    """Breached at 13:00 and paused at 14:00: still breached, no deadline, breach instant kept."""
    result = clock("15:00", (START, "09:00"), (PAUSE, "14:00"))
    assert result.state is ClockState.BREACHED
    assert result.deadline is None
    assert result.breached_at == monday("13:00")
    assert result.breached_by_seconds == 3600


def test_zero_target() -> None:
    """A zero target is reached at the start: fraction 1.0, breached as soon as time passes."""
    at_start = clock("09:00", (START, "09:00"), target=0)
    assert at_start.state is ClockState.RUNNING and at_start.breached_at == monday("09:00")
    assert at_start.fraction == 1.0
    assert clock("09:01", (START, "09:00"), target=0).state is ClockState.BREACHED


def test_instant_at_fraction() -> None:
    """Escalation instants: 50 % at 11:00, 75 % at 12:00, 100 % at 13:00 for a running clock."""
    result = clock("10:00", (START, "09:00"))
    assert result.instant_at_fraction(0.5) == monday("11:00")
    assert result.instant_at_fraction(0.75) == monday("12:00")
    assert result.instant_at_fraction(1.0) == monday("13:00")
    assert result.instant_at_fraction(0.1) == monday("09:24")


def test_instant_at_fraction_on_stopped_clock() -> None:
    """A stopped clock reports thresholds it reached (in the past) and None for the others."""
    result = clock("17:00", (START, "09:00"), (STOP, "12:00"))
    assert result.instant_at_fraction(0.5) == monday("11:00")
    assert result.instant_at_fraction(1.0) is None


def test_naive_now_is_rejected() -> None:
    """A naive 'now' is an error naming the argument."""
    with pytest.raises(ValueError, match=r"^now: naive datetime"):
        evaluate_clock(compiled(OFFICE_BERLIN), TARGET, [], datetime(2025, 6, 2, 9, 0))
