"""Renewal risk: for each contract renewing in the next 120 days, a score that is the sum of
weighted, named reasons (never a black box). Seven queries whatever the number of contracts:
the window's contracts, then one grouped aggregate per signal over their ids.

Signals (recent = the last 90 days, before = the 90 days before that):
- ``breaches_rising``: more SLA breaches recently than before (10 per extra breach, max 30);
- ``credits_rising``: more service credits approved for the last 3 months than the 3 before
  (15);
- ``hours_overrun`` / ``hours_underuse``: hours logged in the recent 90 days above the
  included hours of 3 months (15), or below a quarter of them (10: paying for unused hours);
- ``tickets_rising``: recent tickets at least 1.5 x before and 3 more (10);
- ``no_contact``: no ticket opened and no public reply from the customer for 60 days (20).
- ``low_satisfaction``: the mean CSAT of the surveys answered in the recent 90 days is below
  3.5 out of 5 with at least 3 responses (15; ``aftercare.csat``).
Disputes are not recorded by the product yet, so they never score.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db.models import Count, Max, Q, Sum
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from servicepact.aftercare.csat import Csat, csat_by_contract
from servicepact.billing.choices import CreditStatus
from servicepact.billing.models import PeriodCredit, WorkLog
from servicepact.billing.periods import Period
from servicepact.contracts.choices import ContractStatus
from servicepact.contracts.models import Contract
from servicepact.tickets.choices import ClockState
from servicepact.tickets.models import Comment, SlaClock, Ticket

WINDOW_DAYS = 120
RECENT = timedelta(days=90)
SILENT_DAYS = 60
# How far back the table reads (tickets, replies): two 90-day windows. Older history never
# changes a reason, so the cost follows the last months, not the contract's age.
LOOKBACK = 2 * RECENT
LOW_CSAT = Decimal("3.5")
MIN_CSAT_RESPONSES = 3
FEE_PERIOD_MONTHS = {"monthly": 1, "quarterly": 3, "yearly": 12}
CREDITED = (CreditStatus.APPROVED, CreditStatus.ADJUSTED, CreditStatus.APPLIED)


@dataclass(frozen=True)
class Reason:
    code: str
    weight: int
    text: str


@dataclass
class RenewalRisk:
    contract: Contract
    days_left: int
    reasons: list[Reason] = field(default_factory=list)

    @property
    def score(self) -> int:
        return min(100, sum(r.weight for r in self.reasons))


def renewing_contracts(today: date, days: int = WINDOW_DAYS) -> list[Contract]:
    """Active contracts ending within ``days`` and contracts in grace (lapsed, not renewed)."""
    qs = Contract.objects.filter(
        Q(status=ContractStatus.ACTIVE, end_date__gte=today, end_date__lte=today + timedelta(days))
        | Q(status=ContractStatus.GRACE)
    )
    return list(qs.select_related("customer").order_by("end_date", "pk"))


def _breaches(ids: list[int], now: datetime) -> dict[int, tuple[int, int]]:
    rows = (
        SlaClock.objects.filter(
            ticket__contract_id__in=ids,
            state=ClockState.BREACHED,
            deadline_at__gte=now - 2 * RECENT,
            deadline_at__lt=now,
        )
        .values("ticket__contract_id")
        .annotate(
            recent=Count("pk", filter=Q(deadline_at__gte=now - RECENT)),
            before=Count("pk", filter=Q(deadline_at__lt=now - RECENT)),
        )
    )
    return {r["ticket__contract_id"]: (r["recent"], r["before"]) for r in rows}


def _credits(ids: list[int], today: date) -> dict[int, tuple[Decimal, Decimal]]:
    this = Period(today.year, today.month)
    recent_from, before_from = str(this.shift(-3)), str(this.shift(-6))
    amount = Coalesce("approved_amount", "computed_amount")
    rows = (
        PeriodCredit.objects.filter(
            contract_id__in=ids, status__in=CREDITED, period__gte=before_from, period__lt=str(this)
        )
        .values("contract_id")
        .annotate(
            recent=Sum(amount, filter=Q(period__gte=recent_from)),
            before=Sum(amount, filter=Q(period__lt=recent_from)),
        )
    )
    zero = Decimal(0)
    return {r["contract_id"]: (r["recent"] or zero, r["before"] or zero) for r in rows}


def _minutes(ids: list[int], today: date) -> dict[int, int]:
    rows = (
        WorkLog.objects.filter(ticket__contract_id__in=ids, date__gt=today - RECENT)
        .values("ticket__contract_id")
        .annotate(total=Sum("minutes"))
    )
    return {r["ticket__contract_id"]: r["total"] or 0 for r in rows}


def _tickets(ids: list[int], now: datetime) -> dict[int, tuple[int, int, datetime | None]]:
    rows = (
        Ticket.objects.filter(contract_id__in=ids, opened_at__gte=now - LOOKBACK)
        .values("contract_id")
        .annotate(
            recent=Count("pk", filter=Q(opened_at__gte=now - RECENT)),
            before=Count("pk", filter=Q(opened_at__lt=now - RECENT)),
            last_contact=Max("opened_at", filter=Q(contact__isnull=False)),
        )
    )
    return {r["contract_id"]: (r["recent"], r["before"], r["last_contact"]) for r in rows}


def _replies(ids: list[int], now: datetime) -> dict[int, datetime]:
    rows = (
        Comment.objects.filter(
            ticket__contract_id__in=ids, is_internal=False, created_at__gte=now - LOOKBACK
        )
        .filter(Q(contact__isnull=False) | Q(author__contact__isnull=False))
        .values("ticket__contract_id")
        .annotate(last=Max("created_at"))
    )
    return {r["ticket__contract_id"]: r["last"] for r in rows}


def renewal_risks(*, now: datetime, days: int = WINDOW_DAYS) -> list[RenewalRisk]:
    """The contracts renewing in the next ``days`` (and those in grace), highest score first."""
    today = now.date()
    contracts = renewing_contracts(today, days)
    ids = [c.pk for c in contracts]
    if not ids:
        return []
    breaches, credits = _breaches(ids, now), _credits(ids, today)
    minutes, tickets, replies = _minutes(ids, today), _tickets(ids, now), _replies(ids, now)
    satisfaction = csat_by_contract(ids, now - RECENT, now)
    risks = []
    for contract in contracts:
        risk = RenewalRisk(contract, (contract.end_date - today).days)
        reasons = risk.reasons
        recent, before = breaches.get(contract.pk, (0, 0))
        if recent > before:
            reasons.append(
                Reason(
                    "breaches_rising",
                    min(30, 10 * (recent - before)),
                    _("SLA breaches rising: %(recent)s in the last 90 days, %(before)s before")
                    % {"recent": recent, "before": before},
                )
            )
        paid, paid_before = credits.get(contract.pk, (Decimal(0), Decimal(0)))
        if paid > paid_before:
            reasons.append(
                Reason(
                    "credits_rising",
                    15,
                    _(
                        "Service credits rising: %(recent)s %(currency)s in the last 3 months, %(before)s before"
                    )
                    % {"recent": paid, "before": paid_before, "currency": contract.fee_currency},
                )
            )
        reasons.extend(_hours_reasons(contract, minutes.get(contract.pk, 0)))
        opened, opened_before, last_ticket = tickets.get(contract.pk, (0, 0, None))
        if opened >= opened_before * Decimal("1.5") and opened - opened_before >= 3:
            reasons.append(
                Reason(
                    "tickets_rising",
                    10,
                    _("Ticket volume rising: %(recent)s in the last 90 days, %(before)s before")
                    % {"recent": opened, "before": opened_before},
                )
            )
        last = max((t for t in (last_ticket, replies.get(contract.pk)) if t), default=None)
        silent = (now - last).days if last else None
        if silent is None or silent >= SILENT_DAYS:
            text = (
                ngettext(
                    "No contact from the customer for %(days)s day",
                    "No contact from the customer for %(days)s days",
                    silent,
                )
                % {"days": silent}
                if silent is not None
                else _("No contact from the customer in the last %(days)s days")
                % {"days": LOOKBACK.days}
            )
            reasons.append(Reason("no_contact", 20, text))
        reasons.extend(_satisfaction_reasons(satisfaction.get(contract.pk)))
        risks.append(risk)
    return sorted(risks, key=lambda r: (-r.score, r.contract.end_date, r.contract.pk))


def _satisfaction_reasons(csat: Csat | None) -> list[Reason]:
    """Low satisfaction: mean below 3.5 over at least 3 answered surveys in 90 days."""
    mean = csat.mean if csat is not None else None
    if csat is None or mean is None or csat.responses < MIN_CSAT_RESPONSES or mean >= LOW_CSAT:
        return []
    text = _("Low satisfaction: mean %(mean)s of 5 over %(responses)s surveys in 90 days") % {
        "mean": mean,
        "responses": csat.responses,
    }
    return [Reason("low_satisfaction", 15, text)]


def _hours_reasons(contract: Contract, minutes: int) -> list[Reason]:
    included = contract.included_hours * 3 / FEE_PERIOD_MONTHS.get(contract.fee_period, 1)
    if included <= 0:
        return []
    used = (Decimal(minutes) / 60).quantize(Decimal("0.01"))
    values = {"used": used, "included": included.quantize(Decimal("0.01"))}
    if used > included:
        text = _("Hours overrun: %(used)s h used in 90 days, %(included)s h included") % values
        return [Reason("hours_overrun", 15, text)]
    if used < included / 4:
        text = _("Hours underused: %(used)s h used in 90 days, %(included)s h included") % values
        return [Reason("hours_underuse", 10, text)]
    return []
