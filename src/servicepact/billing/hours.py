"""Reads of the hours bank: what a month's maintenance balance holds (from the immutable
ledger entries, plus the work logged so far in an open month) and the ledger a customer may see.

The rules that turn these into entries and money are ``billing.charge_rules``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Q, QuerySet, Sum
from django.utils.translation import gettext as _

from servicepact.accounts.choices import BillingRole
from servicepact.billing.charge_rules import HOURS, ZERO, Lot, hours_of
from servicepact.billing.choices import (
    FEE_PERIOD_MONTHS,
    Bucket,
    Coverage,
    EntryKind,
    FeeChangeStatus,
    WorkType,
)
from servicepact.billing.fees import FeeTerms, Segment, fee_segments
from servicepact.billing.models import FeeChange, HoursEntry, WorkLog
from servicepact.billing.periods import Period
from servicepact.billing.rates import RateTerms, rate_terms_now
from servicepact.contracts.calendars import compiled_calendar
from servicepact.contracts.models import Contract
from servicepact.core.csvexport import csv_bytes
from servicepact.core.time import local_midnight
from servicepact.customers.selectors import scope_to_customer


def _term_days(contract: Contract, period: Period) -> tuple[date, date]:
    """The first and last day of the month inside the contract's term (last < first when
    none). Grace is not term; a termination ends the term the day before it."""
    last = contract.end_date
    if contract.terminated_on is not None:
        last = min(last, contract.terminated_on - timedelta(days=1))
    return max(period.first_day, contract.start_date), min(period.last_day, last)


def covered_days(contract: Contract, period: Period) -> tuple[int, int]:
    """(days of the month inside the contract's term, days of the month)."""
    first_day, last_day = _term_days(contract, period)
    return max(0, (last_day - first_day).days + 1), period.last_day.day


def covered_segments(
    contract: Contract, period: Period, segments: list[Segment] | None = None
) -> list[tuple[int, FeeTerms]]:
    """(days inside the term, fee terms) of each fee segment of the month (``billing.fees``:
    a fee change inside the month splits it); segments without a covered day are left out."""
    if segments is None:
        segments = fee_segments([contract], period)[contract.pk]
    first_day, last_day = _term_days(contract, period)
    result = []
    for segment in segments:
        days = (min(segment.last, last_day) - max(segment.first, first_day)).days + 1
        if days > 0:
            result.append((days, segment.terms))
    return result


def included_hours_for(
    contract: Contract, period: Period, segments: list[Segment] | None = None
) -> Decimal:
    """The month's included hours: a quarterly 30 h is 10 h a month, pro rata in a partial
    month like the fee (15 of 30 days -> 5 h), and per segment when a fee change falls inside
    the month (10 days of 30 h and 20 of 60 h in a 30-day month: 10 + 40 = 50 h), rounded
    once to 0.01 h."""
    month_days = period.last_day.day
    months = FEE_PERIOD_MONTHS[contract.fee_period]
    hours = sum(
        (
            terms.included_hours / months * days / month_days
            for days, terms in covered_segments(contract, period, segments)
        ),
        ZERO,
    )
    return hours.quantize(HOURS, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Balance:
    """A month's maintenance balance as of now."""

    lots: tuple[Lot, ...]
    drawn: Decimal  # conversions and negative adjustments already recorded
    consumed: Decimal  # billable included work logged in the month (so far)

    @property
    def available(self) -> Decimal:
        return sum((lot.hours for lot in self.lots), ZERO)

    @property
    def remaining(self) -> Decimal:
        return self.available - self.drawn - self.consumed

    @property
    def used_fraction(self) -> Decimal | None:
        """Consumed and drawn hours over available hours; None with nothing available."""
        if self.available <= 0:
            return None
        return (self.drawn + self.consumed) / self.available


def lots_and_draws(
    rows: Iterable[tuple[str, Decimal, str]], *, included: Decimal, included_expires: str
) -> tuple[list[Lot], Decimal]:
    """A month's lots and draws from its maintenance entries (kind, hours, expires).

    The month's included hours come from its ``included`` entry once written, else from
    ``included`` (an open month). A positive adjustment expires with the included hours."""
    lots: list[Lot] = []
    drawn = ZERO
    has_included = False
    for kind, hours, expires in rows:
        if kind == EntryKind.INCLUDED:
            has_included = True
            lots.append(Lot(expires or included_expires, hours))
        elif kind in (EntryKind.ROLLED_OVER, EntryKind.ADJUSTED) and hours > 0:
            lots.append(Lot(expires or included_expires, hours))
        elif kind in (EntryKind.CONVERTED, EntryKind.ADJUSTED) and hours < 0:
            drawn -= hours
    if not has_included and included > 0:
        lots.append(Lot(included_expires, included))
    return lots, drawn


def included_expiry(period: Period, terms: RateTerms) -> str:
    return str(period.shift(terms.rollover_periods))


def consumed_minutes(groups: Iterable[tuple[str, int]], terms: RateTerms) -> int:
    """Billable minutes on included work from (category, minutes) groups."""
    return sum(m for category, m in groups if terms.coverage(category) == Coverage.INCLUDED)


def month_balance(contract: Contract, period: Period, terms: RateTerms) -> Balance:
    """The balance of a month: its ledger entries and, while it is open, its work logs."""
    rows = HoursEntry.objects.filter(
        contract=contract, period=str(period), bucket=Bucket.MAINTENANCE
    ).values_list("kind", "hours", "expires_period")
    lots, drawn = lots_and_draws(
        rows,
        included=included_hours_for(contract, period),
        included_expires=included_expiry(period, terms),
    )
    groups = (
        logs_in(contract, period.first_day, period.last_day)
        .filter(billable=True)
        .values_list("category")
        .annotate(minutes=Sum("minutes"))
    )
    consumed = hours_of(consumed_minutes(groups, terms))
    return Balance(tuple(lots), drawn, consumed)


def logs_in(contract: Contract, first: date, last: date) -> QuerySet[WorkLog]:
    return WorkLog.objects.filter(ticket__contract=contract, date__gte=first, date__lte=last)


def project_balance(contract: Contract) -> Decimal:
    total = HoursEntry.objects.filter(contract=contract, bucket=Bucket.PROJECT).aggregate(
        total=Sum("hours")
    )["total"]
    return total or ZERO


def entries_for(user: Any) -> QuerySet[HoursEntry]:
    """Ledger entries the user may see (staff all; a contact its own customer's)."""
    qs = HoursEntry.objects.select_related("contract", "actor")
    return scope_to_customer(qs, user, field="contract__customer")


def ledger_rows(entries: QuerySet[HoursEntry]) -> list[list[Any]]:
    """The ledger as table rows with a running balance per bucket (oldest first)."""
    running: dict[str, Decimal] = {}
    rows = []
    for entry in entries.order_by("period", "id"):
        running[entry.bucket] = running.get(entry.bucket, ZERO) + entry.hours
        rows.append(
            [
                entry.pk,
                entry.period,
                entry.bucket,
                entry.kind,
                entry.hours,
                running[entry.bucket],
                entry.expires_period,
                entry.reason,
                entry.at,
            ]
        )
    return rows


LEDGER_HEADER = [
    "id",
    "period",
    "balance",
    "kind",
    "hours",
    "running_balance",
    "expires_after",
    "reason",
    "at",
]


def ledger_filter(*, contract: int | None = None, period: str | None = None) -> Q:
    q = Q()
    if contract is not None:
        q &= Q(contract_id=contract)
    if period is not None:
        q &= Q(period=period)
    return q


def out_of_hours_minutes(ticket: Any, started_at: datetime | None, minutes: int) -> int:
    """Minutes of [started_at, started_at + minutes) outside the contract's coverage calendar
    (its plan's calendar), computed by the engine; 0 without a start or a contract."""
    contract = getattr(ticket, "contract", None)
    if started_at is None or contract is None:
        return 0
    calendar = contract.plan.calendar
    end = started_at + timedelta(minutes=minutes)
    compiled = compiled_calendar(calendar, timezone=None, first=started_at.date(), last=end.date())
    inside = compiled.business_seconds(started_at, end)
    # Whole minutes: a partial minute outside hours counts as outside (rounding up favours
    # neither side systematically; logs are entered in whole minutes).
    outside_seconds = minutes * 60 - inside
    return min(minutes, -(-outside_seconds // 60))


def scope_warnings(log: WorkLog) -> list[str]:
    """Why a log deserves a second look: work the contract's scope excludes."""
    contract = getattr(log.ticket, "contract", None)
    if contract is None or not log.category:
        return []
    at = log.started_at or local_midnight(log.date, log.ticket.timezone)
    if rate_terms_now(contract, at).coverage(log.category) == Coverage.EXCLUDED:
        return [
            _("Work of category %(category)s is excluded from the contract's scope.")
            % {"category": log.category}
        ]
    return []


def ledger_page(user: Any, contract: Contract, now: datetime) -> dict[str, Any]:
    """What the desk and the portal show of a contract's hours: this month's balance and the
    ledger with running balances (the same rows as the CSV and the API)."""
    period = Period.containing(now, contract.customer.timezone)
    terms = rate_terms_now(contract, now)
    rows = ledger_rows(entries_for(user).filter(contract=contract))
    keys = ("id", "period", "bucket", "kind", "hours", "running", "expires", "reason", "at")
    return {
        "period": period,
        "balance": month_balance(contract, period, terms),
        "project": project_balance(contract),
        "rows": [
            {
                **dict(zip(keys, row, strict=True)),
                "kind_label": EntryKind(row[3]).label,
                "bucket_label": Bucket(row[2]).label,
            }
            for row in rows
        ],
        "terms": terms,
        "scope_rows": [
            (terms.labels.get(c, c), Coverage(v).label) for c, v in sorted(terms.scope.items())
        ],
        "rate_rows": [
            (WorkType(t).label, BillingRole(r).label if r else "", rate)
            for (t, r), rate in sorted(terms.rates.items())
        ],
    }


def ledger_csv(user: Any, contract: Contract) -> bytes:
    rows = ledger_rows(entries_for(user).filter(contract=contract))
    return csv_bytes(LEDGER_HEADER, rows, bom=True)


def fee_changes_visible(user: Any) -> QuerySet[FeeChange]:
    """Fee changes a user may see: staff all; a contact its customer's, once the provider
    approved them (a proposal still inside the provider is not the customer's business)."""
    qs = FeeChange.objects.select_related("contract", "version").order_by("-proposed_at", "-id")
    if not getattr(user, "is_staff", False):
        qs = qs.exclude(status=FeeChangeStatus.PROPOSED)
    return scope_to_customer(qs, user, field="contract__customer")
