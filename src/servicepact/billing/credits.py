"""The credit rules, as pure functions: facts of a month in, credit lines out.

Percentages are of the monthly fee (a quarterly fee / 3, a yearly fee / 12):

1. availability: the most severe tier whose threshold the month's availability is below
   (tiers do not add up: 99.5 % with tiers <99.95 -> 5 %, <99.9 -> 10 % earns 10 %);
2. each breached clock of a (metric, priority) the schedule lists earns its percentage,
   under the schedule of the contract version the ticket is measured under; a breach that
   is force majeure stays on the list at 0 with the reason;
3. the cap: if the lines add up to more than the cap, a negative "cap" line brings the
   total down to exactly the cap.

Each line's amount is rounded half-up to the cent; the cap line absorbs the rounding so the
capped total is exactly cap % of the monthly fee.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from servicepact.billing.choices import FEE_PERIOD_MONTHS, CreditRule
from servicepact.billing.schedules import ScheduleTerms
from servicepact.contracts.choices import Metric
from servicepact.contracts.models import Contract
from servicepact.core.money import quantize

CENT = Decimal("0.01")
HUNDRED = Decimal(100)


@dataclass(frozen=True)
class BreachFact:
    ticket_id: int
    ticket_number: str
    metric: str
    priority: int
    version_id: int | None
    deadline: datetime
    breached_by_seconds: int
    excluded_because: str | None = None  # force majeure reason
    subject: str = ""  # the ticket's, for the statement's "cause"
    category: str = ""


@dataclass(frozen=True)
class DraftLine:
    rule: str
    description: str
    percent: Decimal
    amount: Decimal
    ticket_id: int | None = None
    ticket_number: str = ""
    metric: str = ""
    priority: int | None = None
    excluded: bool = False
    exclusion_reason: str = ""


@dataclass(frozen=True)
class CreditDraft:
    monthly_fee: Decimal
    lines: tuple[DraftLine, ...]

    @property
    def percent(self) -> Decimal:
        return sum((line.percent for line in self.lines), Decimal("0"))

    @property
    def amount(self) -> Decimal:
        return sum((line.amount for line in self.lines), Decimal("0.00"))


def monthly_fee(contract: Contract) -> Decimal:
    """The fee of one month: a quarterly fee / 3, a yearly fee / 12 (to the currency's
    minor unit: the cent, the yen)."""
    months = FEE_PERIOD_MONTHS[contract.fee_period]
    return quantize(contract.fee_amount / months, contract.fee_currency)


def money(fee: Decimal, percent: Decimal, currency: str) -> Decimal:
    return quantize(fee * percent / HUNDRED, currency)


def _pct(value: Decimal) -> str:
    return f"{value.normalize():f}"


def availability_line(
    schedule: ScheduleTerms | None,
    availability: Decimal | None,
    fee: Decimal,
    note: str = "",
    currency: str = "USD",
) -> DraftLine | None:
    """The tier the month's availability falls into (the lowest threshold it is below)."""
    if schedule is None or availability is None:
        return None
    matched = [(below, credit) for below, credit in schedule.tiers if availability < below]
    if not matched:
        return None
    below, credit = min(matched)
    text = (
        f"availability {_pct(availability)} % below {_pct(below)} % -> {_pct(credit)} % "
        f"(schedule {schedule.label})"
    )
    return DraftLine(
        rule=CreditRule.AVAILABILITY,
        description=f"{text}; {note}" if note else text,
        percent=credit,
        amount=money(fee, credit, currency),
    )


def breach_lines(
    schedules: Mapping[int, ScheduleTerms | None],
    breaches: Iterable[BreachFact],
    fee: Decimal,
    currency: str = "USD",
) -> list[DraftLine]:
    """One line per breach the ticket's schedule pays for, in the order given."""
    lines = []
    for b in breaches:
        schedule = schedules.get(b.version_id) if b.version_id is not None else None
        credit = None if schedule is None else schedule.breach.get((b.metric, b.priority))
        if credit is None or schedule is None:
            continue
        label = Metric(b.metric).label if b.metric in Metric.values else b.metric
        rule = (
            f"P{b.priority} {label} breach: {_pct(credit)} % per breach (schedule {schedule.label})"
        )
        excluded = b.excluded_because is not None
        lines.append(
            DraftLine(
                rule=CreditRule.BREACH,
                description=rule,
                percent=Decimal("0") if excluded else credit,
                amount=quantize(Decimal(0), currency) if excluded else money(fee, credit, currency),
                ticket_id=b.ticket_id,
                ticket_number=b.ticket_number,
                metric=b.metric,
                priority=b.priority,
                excluded=excluded,
                exclusion_reason=b.excluded_because or "",
            )
        )
    return lines


def cap_line(
    schedule: ScheduleTerms | None, lines: list[DraftLine], fee: Decimal, currency: str = "USD"
) -> DraftLine | None:
    if schedule is None or schedule.cap_percent is None:
        return None
    percent = sum((line.percent for line in lines), Decimal("0"))
    if percent <= schedule.cap_percent:
        return None
    amount = sum((line.amount for line in lines), Decimal("0.00"))
    cap = schedule.cap_percent
    return DraftLine(
        rule=CreditRule.CAP,
        description=(
            f"cap {_pct(cap)} % of the monthly fee: {_pct(percent)} % reduced to {_pct(cap)} % "
            f"(schedule {schedule.label})"
        ),
        percent=cap - percent,
        amount=money(fee, cap, currency) - amount,
    )


def draft_credit(
    *,
    fee: Decimal,
    schedule: ScheduleTerms | None,
    schedules: Mapping[int, ScheduleTerms | None],
    availability: Decimal | None,
    availability_note: str,
    breaches: Iterable[BreachFact],
    currency: str = "USD",
) -> CreditDraft:
    """All lines of a month: availability tier, breaches, then the cap (``schedule`` is the
    one in force at the end of the month: it gives the tiers and the cap). Amounts are
    rounded to ``currency``'s minor unit (core.money)."""
    lines: list[DraftLine] = []
    tier = availability_line(schedule, availability, fee, availability_note, currency)
    if tier is not None:
        lines.append(tier)
    lines.extend(breach_lines(schedules, breaches, fee, currency))
    cap = cap_line(schedule, lines, fee, currency)
    if cap is not None:
        lines.append(cap)
    return CreditDraft(monthly_fee=fee, lines=tuple(lines))
