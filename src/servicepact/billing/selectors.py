"""Billing reads: hours used vs included, credits visible to a user."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Q, QuerySet, Sum

from servicepact.billing.choices import FEE_PERIOD_MONTHS
from servicepact.billing.models import PeriodCredit, WorkLog
from servicepact.billing.periods import Period
from servicepact.contracts.models import Contract
from servicepact.customers.selectors import scope_to_customer

HOURS = Decimal("0.01")


def _hours(minutes: int | None) -> Decimal:
    return (Decimal(minutes or 0) / 60).quantize(HOURS, rounding=ROUND_HALF_UP)


def hours_used(contract: Contract, period: str | Period) -> Decimal:
    """Billable hours logged on the contract's tickets on the month's dates (to 0.01 h)."""
    return hours_summary(contract, period).used


@dataclass(frozen=True)
class HoursSummary:
    used: Decimal  # billable
    non_billable: Decimal
    included: Decimal  # the contract's included hours per fee period, per month

    @property
    def over(self) -> Decimal:
        return max(Decimal("0.00"), self.used - self.included)

    @property
    def remaining(self) -> Decimal:
        return max(Decimal("0.00"), self.included - self.used)


def hours_summary(contract: Contract, period: str | Period) -> HoursSummary:
    """Used vs included: a quarterly allowance of 30 h is 10 h a month, like the fee."""
    month = period if isinstance(period, Period) else Period.parse(period)
    totals = WorkLog.objects.filter(
        ticket__contract=contract, date__gte=month.first_day, date__lte=month.last_day
    ).aggregate(
        billable_minutes=Sum("minutes", filter=Q(billable=True)),
        other_minutes=Sum("minutes", filter=Q(billable=False)),
    )
    months = FEE_PERIOD_MONTHS[contract.fee_period]
    included = (contract.included_hours / months).quantize(HOURS, rounding=ROUND_HALF_UP)
    return HoursSummary(
        used=_hours(totals["billable_minutes"]),
        non_billable=_hours(totals["other_minutes"]),
        included=included,
    )


def credits_for(user: Any) -> QuerySet[PeriodCredit]:
    """Period credits the user may see (staff all; a contact its own customer's)."""
    qs = PeriodCredit.objects.select_related("contract", "contract__customer")
    return scope_to_customer(qs, user, field="contract__customer")
