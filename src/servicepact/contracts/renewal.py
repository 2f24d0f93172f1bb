"""The length of a contract term and the end of the next one (pure date arithmetic).

Shared by the automatic renewal job (``lifecycle.renew``) and the manual renewal service
(``services.renew_contract``), which both record the new term with ``services.record_renewal``.
"""

from __future__ import annotations

import calendar as month_calendar
from dataclasses import dataclass
from datetime import date, timedelta


@dataclass(frozen=True)
class Term:
    months: int = 0
    days: int = 0


def add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = month_calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def term_between(start: date, end: date) -> Term:
    """The term from ``start`` to ``end`` inclusive: whole months when it ends the day before
    the same day of a later month (a year is 12), else days."""
    after_end = end + timedelta(days=1)
    if after_end.day == start.day:
        # Whole months: renewing keeps month ends and leap days right.
        return Term(months=(after_end.year - start.year) * 12 + after_end.month - start.month)
    return Term(days=(end - start).days + 1)


def next_term_end(end: date, term: Term) -> date:
    first = end + timedelta(days=1)
    if term.months:
        return add_months(first, term.months) - timedelta(days=1)
    return end + timedelta(days=term.days)
