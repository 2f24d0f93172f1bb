"""Import public holidays from the ``holidays`` package into calendar data.

Used only to produce the "holidays" list of a calendar; the arithmetic never consults
the package, so a report stays reproducible when the package's data changes.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

import holidays


def holiday_dates(
    country: str, years: Iterable[int], subdiv: str | None = None
) -> list[tuple[date, str]]:
    """Sorted (date, name) pairs of ``country``'s public holidays in ``years``.

    ``country`` is an ISO 3166-1 alpha-2 code (US, DE, GB, CN, ...); ``subdiv`` a
    subdivision (US state, German Land, ...). Several holidays on one date come as one
    entry whose names are joined with "; ".
    """
    year_list = sorted(set(years))
    try:
        table = holidays.country_holidays(country, subdiv=subdiv, years=year_list)
    except NotImplementedError:
        raise ValueError(f"unknown country {country!r} or subdivision {subdiv!r}") from None
    return sorted((day, str(name)) for day, name in table.items() if day.year in year_list)


def holidays_json(country: str, years: Iterable[int], subdiv: str | None = None) -> list[str]:
    """The dates of ``holiday_dates`` in the calendar JSON format ("YYYY-MM-DD")."""
    return [day.isoformat() for day, _ in holiday_dates(country, years, subdiv)]
