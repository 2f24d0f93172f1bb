"""The fee in force: the contract's own fee and included hours, replaced from its effective
day (any day of a month) by each fee change the customer accepted (``billing.commercial``).

A month a fee change falls inside is made of segments, each with its own terms
(``fee_segments``): the base fee is the pro rata of each segment's fee
(``charge_rules.prorated_fee``, the one rule of partial months: a change on the 11th of a
30-day month is 10/30 of the old fee plus 20/30 of the new), the included hours likewise.
Where one number per month is needed (the service credits' monthly fee), ``fees_in_force``
gives the day-weighted terms of the month."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from servicepact.billing.choices import FeeChangeStatus
from servicepact.billing.models import FeeChange
from servicepact.billing.periods import Period
from servicepact.contracts.models import Contract
from servicepact.core.sql import ids_in


@dataclass(frozen=True)
class FeeTerms:
    amount: Decimal  # per fee period (monthly, quarterly, yearly)
    included_hours: Decimal  # per fee period


@dataclass(frozen=True)
class Segment:
    """Days ``first``..``last`` of a month under one fee."""

    first: date
    last: date
    terms: FeeTerms

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1


def own_terms(contract: Contract) -> FeeTerms:
    return FeeTerms(contract.fee_amount, contract.included_hours)


def fee_segments(contracts: Iterable[Contract], period: Period) -> dict[int, list[Segment]]:
    """contract id -> the month's days split by the accepted fee changes, in order (one
    query for all). A month without a change inside it is one segment of the whole month."""
    by_id = {c.pk: own_terms(c) for c in contracts}
    changes: dict[int, list[tuple[date, FeeTerms]]] = {pk: [] for pk in by_id}
    accepted = (
        FeeChange.objects.filter(
            ids_in("contract_id", by_id),
            status=FeeChangeStatus.ACCEPTED,
            effective_from__lte=period.last_day,
        )
        .order_by("contract_id", "effective_from", "answered_at", "id")
        .values_list("contract_id", "effective_from", "fee_amount", "included_hours")
    )
    for contract_id, day, amount, hours in accepted:
        terms = FeeTerms(amount, hours)
        if day <= period.first_day:
            by_id[contract_id] = terms  # in force from the month's start; the latest wins
        else:
            inside = changes[contract_id]
            if inside and inside[-1][0] == day:
                inside.pop()  # two accepted on one day: the later answer wins
            inside.append((day, terms))
    result: dict[int, list[Segment]] = {}
    for contract_id, start_terms in by_id.items():
        starts = [(period.first_day, start_terms), *changes[contract_id]]
        result[contract_id] = [
            Segment(day, (starts[i + 1][0] - timedelta(days=1)) if i + 1 < len(starts)
                    else period.last_day, terms)
            for i, (day, terms) in enumerate(starts)
        ]  # fmt: skip
    return result


def weighted(segments: list[Segment]) -> FeeTerms:
    """The month's terms weighted by days (unrounded): one segment is its own terms."""
    if len(segments) == 1:
        return segments[0].terms
    days = sum(s.days for s in segments)
    return FeeTerms(
        sum((s.terms.amount * s.days for s in segments), Decimal(0)) / days,
        sum((s.terms.included_hours * s.days for s in segments), Decimal(0)) / days,
    )


def fees_in_force(contracts: Iterable[Contract], period: Period) -> dict[int, FeeTerms]:
    """contract id -> the fee terms of the month, weighted by days when a fee change falls
    inside it (one query for all)."""
    return {pk: weighted(s) for pk, s in fee_segments(contracts, period).items()}


def fee_in_force(contract: Contract, period: Period | None) -> FeeTerms:
    if period is None:
        return own_terms(contract)
    return fees_in_force([contract], period)[contract.pk]
