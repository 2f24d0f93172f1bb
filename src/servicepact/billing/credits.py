"""The credit rules, as pure functions: facts of a month in, credit lines out.

Percentages are of the monthly fee (a quarterly fee / 3, a yearly fee / 12):

1. availability: the most severe tier whose threshold the month's availability is below
   (tiers do not add up: 99.5 % with tiers <99.95 -> 5 %, <99.9 -> 10 % earns 10 %);
2. each breached clock of a (metric, priority) the schedule lists earns its percentage,
   under the schedule of the contract version the ticket is measured under; a breach that
   is force majeure stays on the list at 0 with the reason;
3. the cap: if the lines add up to more than the cap, a negative "cap" line brings the
   total down to exactly the cap.

Each line's amount is rounded half-up to the currency's minor unit (the cent, the yen); the cap line absorbs the rounding so the
capped total is exactly cap % of the monthly fee.

The arithmetic itself lives in ``servicepact.slaclock.statement_rules`` (pure: ``servicepact
audit verify`` recomputes credits with the same code, without a database); this module
adds what needs Django: the contract's fee and the translated metric labels.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal
from typing import Any

from servicepact.billing.choices import FEE_PERIOD_MONTHS
from servicepact.billing.fees import FeeTerms, fee_in_force
from servicepact.billing.periods import Period
from servicepact.contracts.metrics import label_of, labels
from servicepact.contracts.models import Contract
from servicepact.core.money import minor_units
from servicepact.slaclock import statement_rules as rules
from servicepact.slaclock.statement_rules import (
    CENT,
    HUNDRED,
    BreachFact,
    CreditDraft,
    DraftLine,
    ScheduleTerms,
    availability_line,
    cap_line,
)

__all__ = [
    "CENT",
    "HUNDRED",
    "BreachFact",
    "CreditDraft",
    "DraftLine",
    "availability_line",
    "breach_lines",
    "cap_line",
    "draft_credit",
    "metric_label",
    "money",
    "monthly_fee",
]


def monthly_fee(
    contract: Contract, period: Period | None = None, *, fee: FeeTerms | None = None
) -> Decimal:
    """The fee of one month: a quarterly fee / 3, a yearly fee / 12 (to the currency's
    minor unit: the cent, the yen). With ``period``, the fee in force in that month (an
    accepted fee change, ``billing.fees``); ``fee``: that fee, already read."""
    terms = fee or fee_in_force(contract, period)
    return rules.fee_per_month(
        terms.amount,
        FEE_PERIOD_MONTHS[contract.fee_period],
        minor_units(contract.fee_currency),
    )


def metric_label(metric: str) -> str:
    return label_of(metric)


def _labeller() -> Callable[[str], str]:
    """``metric_label`` for one draft: the names read once (one query, and only when a line
    needs one) instead of one query per paid breach (a 100k-ticket month pays hundreds;
    docs/performance.md, issue 12). The same name: the active language's, else the code."""
    names: dict[str, str] | None = None

    def label(metric: str) -> str:
        nonlocal names
        if names is None:
            names = labels()
        return names.get(metric, metric)

    return label


def breach_lines(
    schedules: Mapping[int, ScheduleTerms | None],
    breaches: Iterable[BreachFact],
    fee: Decimal,
    currency: str = "USD",
) -> list[DraftLine]:
    """One line per breach the ticket's schedule pays for, in the order given."""
    return rules.breach_lines(schedules, breaches, fee, _labeller(), minor_units(currency))


def money(fee: Decimal, percent: Decimal, currency: str) -> Decimal:
    """``percent`` % of ``fee`` in ``currency``'s minor unit."""
    return rules.money(fee, percent, minor_units(currency))


def draft_credit(*, currency: str = "USD", **facts: Any) -> CreditDraft:
    """All lines of a month: availability tier, breaches, then the cap (``schedule`` is the
    one in force at the end of the month: it gives the tiers and the cap); labels translated,
    amounts in ``currency``'s minor unit (core.money)."""
    return rules.draft_credit(metric_label=_labeller(), places=minor_units(currency), **facts)
