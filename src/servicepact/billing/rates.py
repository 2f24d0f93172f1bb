"""The rate card in force: per contract version, carried over by later versions (the same
rule as the credit schedule, ``billing.schedules``: a version without a card of its own uses
the card of the latest earlier version that has one)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from servicepact.billing.choices import Coverage
from servicepact.billing.models import RateCard
from servicepact.billing.periods import Period
from servicepact.contracts.models import Contract, ContractVersion


@dataclass(frozen=True)
class RateTerms:
    """What a month's work costs and how its hours behave."""

    version_id: int | None = None
    multiplier: Decimal = Decimal("1")
    rollover_periods: int = 0
    conversion_ratio: Decimal | None = None
    rates: dict[str, Decimal] = field(default_factory=dict)
    scope: dict[str, str] = field(default_factory=dict)  # category -> Coverage
    labels: dict[str, str] = field(default_factory=dict)  # category -> label

    def coverage(self, category: str) -> str:
        """A category the scope does not name is included work (the base fee's default)."""
        return self.scope.get(category, Coverage.INCLUDED) if category else Coverage.INCLUDED


NO_CARD = RateTerms()


def _terms(card: RateCard) -> RateTerms:
    return RateTerms(
        version_id=card.contract_version_id,
        multiplier=card.out_of_hours_multiplier,
        rollover_periods=card.rollover_periods,
        conversion_ratio=card.conversion_ratio,
        rates={r.work_type: r.hourly_rate for r in card.rates.all()},
        scope={s.category: s.coverage for s in card.scope.all()},
        labels={s.category: s.label for s in card.scope.all()},
    )


def rate_terms_at(contracts: Iterable[Contract], at: dict[int, datetime]) -> dict[int, RateTerms]:
    """contract id -> the rate card in force at ``at[contract id]`` (two queries for all).

    Before the first version takes effect, the first version's card applies (as for periods).
    """
    ids = [c.pk for c in contracts]
    versions: dict[int, list[ContractVersion]] = {i: [] for i in ids}
    for version in ContractVersion.objects.filter(contract_id__in=ids).order_by("effective_from"):
        versions[version.contract_id].append(version)
    cards = {
        card.contract_version_id: card
        for card in RateCard.objects.filter(contract_version__contract_id__in=ids).prefetch_related(
            "rates", "scope"
        )
    }
    result: dict[int, RateTerms] = {}
    for contract_id, history in versions.items():
        current: RateCard | None = None
        for index, version in enumerate(history):
            if index > 0 and version.effective_from > at[contract_id]:
                break
            current = cards.get(version.pk, current)
        result[contract_id] = NO_CARD if current is None else _terms(current)
    return result


def month_end(contract: Contract, period: Period) -> datetime:
    """The month's last second in the customer's zone (the terms of a month, as credits)."""
    return period.bounds(contract.customer.timezone)[1] - timedelta(seconds=1)


def rate_terms_for_period(contract: Contract, period: Period) -> RateTerms:
    return rate_terms_at([contract], {contract.pk: month_end(contract, period)})[contract.pk]


def rate_terms_now(contract: Contract, at: datetime) -> RateTerms:
    return rate_terms_at([contract], {contract.pk: at})[contract.pk]
