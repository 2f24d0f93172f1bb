"""Measured availability for the portal's contract page: this month and the last.

The months are the customer's local calendar months (monitoring.availability measures them the
same way); the current month is measured up to now. ``portal/_availability.html`` renders them.
The desk has the same helper (``desk/availability.py``): the two apps are independent layers and
must not import each other.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from servicepact.contracts.choices import MeasurementCalendar
from servicepact.contracts.models import Contract
from servicepact.core.time import local_date
from servicepact.monitoring.availability import AvailabilityResult, contract_availability


@dataclass(frozen=True)
class MonthAvailability:
    first: date  # the 1st of the local month
    current: bool  # the month is still running (measured to now)
    result: AvailabilityResult

    @property
    def has_commitment(self) -> bool:
        return self.result.commitment_percent is not None

    @property
    def calendar_label(self) -> str:
        return str(MeasurementCalendar(self.result.calendar).label)

    @property
    def downtime_seconds(self) -> int:
        return self.result.unplanned_downtime_seconds + self.result.planned_downtime_seconds


def previous_month(first: date) -> date:
    return date(first.year - 1, 12, 1) if first.month == 1 else date(first.year, first.month - 1, 1)


def recent_availability(contract: Contract, moment: datetime) -> list[MonthAvailability]:
    """This local month (so far) and the previous one, newest first."""
    today = local_date(moment, contract.customer.timezone)
    this_month = today.replace(day=1)
    months = [(this_month, True), (previous_month(this_month), False)]
    return [
        MonthAvailability(first, current, contract_availability(contract, first.year, first.month))
        for first, current in months
    ]
