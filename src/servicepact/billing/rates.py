"""The rate card in force: per contract version, carried over by later versions (the same
rule as the credit schedule, ``billing.schedules``: a version without a card of its own uses
the card of the latest earlier version that has one)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from servicepact.billing.choices import Coverage
from servicepact.billing.models import Rate, RateCard, ScopeItem
from servicepact.billing.periods import Period
from servicepact.contracts.models import Contract, ContractVersion
from servicepact.core.sql import ids_in


@dataclass(frozen=True)
class RateTerms:
    """What a month's work costs and how its hours behave."""

    version_id: int | None = None
    multiplier: Decimal = Decimal("1")
    rollover_periods: int = 0
    conversion_ratio: Decimal | None = None
    parts_markup: Decimal = Decimal("0")  # percent over a part's cost, out of warranty
    rates: dict[tuple[str, str], Decimal] = field(default_factory=dict)  # (type, role) -> rate
    scope: dict[str, str] = field(default_factory=dict)  # category -> Coverage
    labels: dict[str, str] = field(default_factory=dict)  # category -> label

    def coverage(self, category: str) -> str:
        """A category the scope does not name is included work (the base fee's default)."""
        return self.scope.get(category, Coverage.INCLUDED) if category else Coverage.INCLUDED


NO_CARD = RateTerms()


def rate_terms_at(contracts: Iterable[Contract], at: dict[int, datetime]) -> dict[int, RateTerms]:
    """contract id -> the rate card in force at ``at[contract id]`` (four queries for all,
    plain values: no model instance per card, rate or scope item).

    Before the first version takes effect, the first version's card applies (as for periods).
    """
    ids = [c.pk for c in contracts]
    versions: dict[int, list[tuple[int, datetime]]] = {i: [] for i in ids}
    for version_id, contract_id, effective_from in (
        ContractVersion.objects.filter(ids_in("contract_id", ids))
        .order_by("effective_from")
        .values_list("pk", "contract_id", "effective_from")
    ):
        versions[contract_id].append((version_id, effective_from))
    in_batch = RateCard.objects.filter(ids_in("contract_version__contract_id", ids))
    rates: dict[int, dict[tuple[str, str], Decimal]] = defaultdict(dict)
    for card_id, work_type, role, hourly_rate in Rate.objects.filter(
        rate_card__in=in_batch
    ).values_list("rate_card_id", "work_type", "role", "hourly_rate"):
        rates[card_id][(work_type, role)] = hourly_rate
    scope: dict[int, dict[str, str]] = defaultdict(dict)
    labels: dict[int, dict[str, str]] = defaultdict(dict)
    for card_id, category, coverage, label in ScopeItem.objects.filter(
        rate_card__in=in_batch
    ).values_list("rate_card_id", "category", "coverage", "label"):
        scope[card_id][category] = coverage
        labels[card_id][category] = label
    cards = {
        version_id: RateTerms(
            version_id=version_id,
            multiplier=multiplier,
            rollover_periods=rollover,
            conversion_ratio=ratio,
            parts_markup=markup,
            rates=rates[card_id],
            scope=scope[card_id],
            labels=labels[card_id],
        )
        for card_id, version_id, multiplier, rollover, ratio, markup in in_batch.values_list(
            "pk",
            "contract_version_id",
            "out_of_hours_multiplier",
            "rollover_periods",
            "conversion_ratio",
            "parts_markup_percent",
        )
    }
    result: dict[int, RateTerms] = {}
    for contract_id, history in versions.items():
        current: RateTerms | None = None
        for index, (version_id, effective_from) in enumerate(history):
            if index > 0 and effective_from > at[contract_id]:
                break
            current = cards.get(version_id, current)
        result[contract_id] = NO_CARD if current is None else current
    return result


def month_end(contract: Contract, period: Period) -> datetime:
    """The month's last second in the customer's zone (the terms of a month, as credits)."""
    return period.bounds(contract.customer.timezone)[1] - timedelta(seconds=1)


def rate_terms_for_period(contract: Contract, period: Period) -> RateTerms:
    return rate_terms_at([contract], {contract.pk: month_end(contract, period)})[contract.pk]


def rate_terms_now(contract: Contract, at: datetime) -> RateTerms:
    return rate_terms_at([contract], {contract.pk: at})[contract.pk]
