"""SLA clock engine: calendars, business time, deadlines and clocks.

Pure Python + numpy; no Django. The semantics are those of DESIGN.md "SLA clock
semantics", explained with worked examples in docs/sla-clock.md.
"""

from __future__ import annotations

from servicepact.slaclock.calendar import CompiledCalendar
from servicepact.slaclock.clock import (
    ClockEvent,
    ClockEventKind,
    ClockResult,
    ClockState,
    evaluate_clock,
    evaluate_clocks,
)
from servicepact.slaclock.compiler import compile_calendar
from servicepact.slaclock.errors import CalendarError, SpanError
from servicepact.slaclock.holidays_import import holiday_dates, holidays_json
from servicepact.slaclock.mixed import business_seconds_many_mixed, deadline_many_mixed
from servicepact.slaclock.parsing import calendar_to_json, parse_calendar
from servicepact.slaclock.pauses import PauseSet
from servicepact.slaclock.spec import CalendarSpec, CalendarVersion, Window

__all__ = [
    "CalendarError",
    "CalendarSpec",
    "CalendarVersion",
    "ClockEvent",
    "ClockEventKind",
    "ClockResult",
    "ClockState",
    "CompiledCalendar",
    "PauseSet",
    "SpanError",
    "Window",
    "business_seconds_many_mixed",
    "calendar_to_json",
    "compile_calendar",
    "deadline_many_mixed",
    "evaluate_clock",
    "evaluate_clocks",
    "holiday_dates",
    "holidays_json",
    "parse_calendar",
]
