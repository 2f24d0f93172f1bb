"""Periods: calendar months ("YYYY-MM") in the customer's time zone.

The one parser of a month from user input (query strings, forms, API fields, commands):
``Period.parse``. Years run 1900..9998, so that the month after always exists and its
bounds are real instants; anything else is a ``DomainValidationError`` on the field.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.utils.translation import gettext as _

from servicepact.core.errors import DomainValidationError
from servicepact.core.time import local_date, local_midnight

_PERIOD = re.compile(r"(\d{4})-(0[1-9]|1[0-2])", re.ASCII)
FIRST_YEAR, LAST_YEAR = 1900, 9998


@dataclass(frozen=True, order=True)
class Period:
    year: int
    month: int

    @classmethod
    def parse(cls, text: str, field: str = "period") -> Period:
        """``"2025-06"`` -> Period(2025, 6); anything else is a 422 naming ``field``."""
        match = _PERIOD.fullmatch(str(text).strip())
        if not match or not FIRST_YEAR <= int(match.group(1)) <= LAST_YEAR:
            raise DomainValidationError(
                {
                    field: [
                        _(
                            "expected YYYY-MM from %(FIRST_YEAR)s-01 to %(LAST_YEAR)s-12, got %(text)r"
                        )
                        % {"FIRST_YEAR": FIRST_YEAR, "LAST_YEAR": LAST_YEAR, "text": text}
                    ]
                }
            )
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
