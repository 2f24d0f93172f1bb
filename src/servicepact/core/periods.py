"""Periods: calendar months ("YYYY-MM") in the customer's time zone — the one period type of
statements, credits, availability and the contract pages."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from servicepact.core.errors import DomainValidationError
from servicepact.core.time import local_date, local_midnight

_PERIOD = re.compile(r"(\d{4})-(0[1-9]|1[0-2])")


@dataclass(frozen=True, order=True)
class Period:
    year: int
    month: int

    @classmethod
    def parse(cls, text: str, field: str = "period") -> Period:
        """``"2025-06"`` -> Period(2025, 6); anything else is a 422 on ``field``."""
        match = _PERIOD.fullmatch(str(text).strip())
        # Years stop before 9999 so that "the month after" always exists.
        if match is None or not 1900 <= int(match.group(1)) < 9999:
            raise DomainValidationError({field: [f"expected YYYY-MM, got {text!r}"]})
        return cls(int(match.group(1)), int(match.group(2)))

    @classmethod
    def containing(cls, instant: datetime, tz: str) -> Period:
        day = local_date(instant, tz)
        return cls(day.year, day.month)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def first_day(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def last_day(self) -> date:
        return self.shift(1).first_day - timedelta(days=1)

    def shift(self, months: int) -> Period:
        index = self.year * 12 + (self.month - 1) + months
        return Period(index // 12, index % 12 + 1)

    def bounds(self, tz: str) -> tuple[datetime, datetime]:
        """[start, end) of the month as aware instants: local midnights in ``tz``."""
        return local_midnight(self.first_day, tz), local_midnight(self.shift(1).first_day, tz)


def months_between(first: Period, last: Period) -> list[Period]:
    """Every period from ``first`` to ``last`` inclusive (empty if last < first)."""
    count = (last.year - first.year) * 12 + last.month - first.month + 1
    return [first.shift(i) for i in range(max(0, count))]
