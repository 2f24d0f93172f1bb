"""Reads of the reports app, scoped by tenancy."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from servicepact.billing.models import PeriodCredit
from servicepact.billing.periods import Period
from servicepact.contracts.models import Contract
from servicepact.core.time import now as current_time
from servicepact.reports.models import Statement
from servicepact.reports.statement import build_statement, credit_decision


def default_period(contract: Contract, now: datetime | None = None) -> Period:
    """The last closed month in the customer's time zone."""
    return Period.containing(now or current_time(), contract.customer.timezone).shift(-1)


def statement_for(
    contract: Contract, period: Period, *, now: datetime | None = None
) -> dict[str, Any]:
    """A closed month's frozen statement (with the credits' current status), else live figures."""
    stored = Statement.objects.filter(contract=contract, period=str(period)).first()
    if stored is None:
        return build_statement(contract, period, now=now)
    snapshot = dict(stored.snapshot)
    credit = PeriodCredit.objects.filter(contract=contract, period=str(period)).first()
    if credit is not None:
        # Approval, adjustment and application happen after the close: show where they are.
        snapshot["credits"] = {**snapshot["credits"], **credit_decision(credit)}
    return snapshot
