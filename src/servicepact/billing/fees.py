"""The fee in force: the contract's own fee and included hours, replaced from the first day
of a month by the latest fee change the customer accepted (``billing.commercial``)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from servicepact.billing.choices import FeeChangeStatus
from servicepact.billing.models import FeeChange
from servicepact.billing.periods import Period
from servicepact.contracts.models import Contract


@dataclass(frozen=True)
class FeeTerms:
    amount: Decimal  # per fee period (monthly, quarterly, yearly)
    included_hours: Decimal  # per fee period


def own_terms(contract: Contract) -> FeeTerms:
    return FeeTerms(contract.fee_amount, contract.included_hours)


def fees_in_force(contracts: Iterable[Contract], period: Period) -> dict[int, FeeTerms]:
    """contract id -> the fee terms of the month (one query for all)."""
    by_id = {c.pk: own_terms(c) for c in contracts}
    accepted = (
        FeeChange.objects.filter(
            contract_id__in=list(by_id),
            status=FeeChangeStatus.ACCEPTED,
            effective_from__lte=period.first_day,
        )
        .order_by("contract_id", "effective_from", "answered_at", "id")
        .values_list("contract_id", "fee_amount", "included_hours")
    )
    for contract_id, amount, hours in accepted:
        by_id[contract_id] = FeeTerms(amount, hours)  # the latest one wins
    return by_id


def fee_in_force(contract: Contract, period: Period | None) -> FeeTerms:
    if period is None:
        return own_terms(contract)
    return fees_in_force([contract], period)[contract.pk]
