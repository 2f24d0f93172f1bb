"""Exceptions raised by the SLA clock engine."""

from __future__ import annotations


class CalendarError(ValueError):
    """Invalid calendar data or instant; ``field`` is the path of the offending value.

    The message always starts with the field path (``weekly.mon[1]: ...``) so a
    user can find the bad value in the JSON without reading a traceback.
    """

    def __init__(self, field: str, detail: str) -> None:
        super().__init__(f"{field}: {detail}")
        self.field = field
        self.detail = detail

    def __reduce__(self) -> tuple[type[CalendarError], tuple[str, str]]:
        # The default reduce would call __init__ with the formatted message only.
        return (type(self), (self.field, self.detail))


class SpanError(ValueError):
    """A query reaches outside the compiled span of a calendar; the engine never guesses.

    ``row`` is the first offending row of a bulk query (None for scalar queries).
    """

    def __init__(self, message: str, row: int | None = None) -> None:
        super().__init__(message)
        self.row = row

    def __reduce__(self) -> tuple[type[SpanError], tuple[str, int | None]]:
        return (type(self), (str(self), self.row))
