"""Which local hours of a date are open: the normative rules of DESIGN.md, in one place."""

from __future__ import annotations

from datetime import date, timedelta

from servicepact.slaclock.spec import CalendarSpec

LocalPiece = tuple[int, int]  # [start, end) seconds after the date's local midnight


def open_pieces(spec: CalendarSpec, day: date) -> list[LocalPiece]:
    """Open local pieces that belong to ``day``.

    - an override decides the whole date: its windows, nothing else (not even the
      after-midnight part of the previous evening's overnight window);
    - otherwise a holiday closes the whole date, 00:00 to 24:00;
    - otherwise the weekday's windows, plus the after-midnight parts of the overnight
      windows listed for the previous date (which belong to this date, so they run
      even when the previous date was a holiday).
    """
    override = spec.override(day)
    if override is not None:
        return [window.same_day_part() for window in override]
    if day in spec.holidays:
        return []
    pieces = [window.same_day_part() for window in spec.weekly_on(day)[day.weekday()]]
    for window in spec.windows_defined_for(day - timedelta(days=1)):
        part = window.after_midnight_part()
        if part is not None:
            pieces.append(part)
    return pieces
