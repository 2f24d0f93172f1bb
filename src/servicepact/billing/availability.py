"""Availability for credits and statements, from the monitoring app (docs/availability-interface.md).

The monitoring app owns the measurement: unplanned vs planned downtime (planned maintenance
inside an approved change window never counts against availability). Billing only takes
force majeure out of the unplanned downtime.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from servicepact.billing.exclusions import ForceMajeureRules
from servicepact.billing.periods import Period
from servicepact.contracts.models import Contract
from servicepact.core.time import to_epoch
from servicepact.monitoring.availability import contract_availability
from servicepact.slaclock.statement_rules import credited_percent, force_majeure_seconds


def measure(contract: Contract, period: Period) -> Any | None:
    """The monitoring app's AvailabilityResult for the month.

    (None only where a rule test replaces ``contract_availability`` to isolate the ticket rules.)
    """
    if contract_availability is None:
        return None
    return contract_availability(contract, period.year, period.month)


@dataclass(frozen=True)
class CreditedAvailability:
    """Availability as the credit rules see it: force majeure downtime taken out."""

    percent: Decimal | None
    measured_seconds: int
    unplanned_seconds: int
    planned_seconds: int
    force_majeure_seconds: int
    commitment_percent: Decimal | None


def credited_availability(result: Any | None, rules: ForceMajeureRules) -> CreditedAvailability:
    """Availability with unplanned downtime inside force-majeure periods excluded.

    A slice's excluded seconds are its measured seconds in proportion to the part of its wall
    time inside a flagged period (exact on a 24x7 measurement calendar).
    """
    if result is None:
        return CreditedAvailability(None, 0, 0, 0, 0, None)
    excluded = force_majeure_seconds(
        ((to_epoch(s.start), to_epoch(s.end), s.seconds, s.planned) for s in result.slices), rules
    )
    return CreditedAvailability(
        percent=credited_percent(
            result.availability_percent,
            result.measured_seconds,
            result.unplanned_downtime_seconds,
            excluded,
        ),
        measured_seconds=result.measured_seconds,
        unplanned_seconds=result.unplanned_downtime_seconds,
        planned_seconds=result.planned_downtime_seconds,
        force_majeure_seconds=excluded,
        commitment_percent=result.commitment_percent,
    )
