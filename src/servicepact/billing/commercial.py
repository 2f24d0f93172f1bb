"""Writes of the commercial side: rate cards, hours adjustments and conversions, period
charges and their approval (work logs: ``billing.services``). Each function is one
transaction; a wrong state is a 409, a wrong field a 422 naming it, a non-manager a 403.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from servicepact.accounts.actors import Actor
from servicepact.accounts.choices import BillingRole
from servicepact.billing import charge_rules as rules
from servicepact.billing.charges import Credit, close_charges, credit_line
from servicepact.billing.choices import (
    Bucket,
    ChargeKind,
    ChargeStatus,
    ConversionStatus,
    Coverage,
    EntryKind,
    FeeChangeStatus,
    WorkType,
)
from servicepact.billing.hours import month_balance
from servicepact.billing.models import (
    ChargeLine,
    FeeChange,
    HoursConversion,
    HoursEntry,
    PeriodCharge,
    PeriodCredit,
    Rate,
    RateCard,
    ScopeItem,
)
from servicepact.billing.periods import Period
from servicepact.billing.rates import rate_terms_for_period
from servicepact.billing.services import require_manager
from servicepact.contracts.lifecycle import tell
from servicepact.contracts.models import Contract, ContractVersion
from servicepact.core.errors import DomainValidationError, TransitionError
from servicepact.core.money import parse_amount
from servicepact.core.time import local_midnight
from servicepact.core.time import now as current_time
from servicepact.customers.selectors import contact_for
from servicepact.notifications.services import Message
from servicepact.tickets import system_notes
from servicepact.tickets.services import amend_contract_terms

MAX_HOURS = Decimal("9999")


def _decimal(value: Any, field: str, *, low: Decimal, high: Decimal) -> Decimal:
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise DomainValidationError(
            {field: [_("not a number: %(value)r") % {"value": value}]}
        ) from None
    if not number.is_finite() or not low <= number <= high:
        raise DomainValidationError(
            {field: [_("must be from %(low)s to %(high)s") % {"low": low, "high": high}]}
        )
    return number


def _hours(value: Any, field: str, *, signed: bool = False) -> Decimal:
    low = -MAX_HOURS if signed else Decimal("0.01")
    hours = _decimal(value, field, low=low, high=MAX_HOURS)
    if hours != hours.quantize(rules.HOURS) or hours == 0:
        raise DomainValidationError({field: [_("hours to 0.01 h, not zero")]})
    return hours


def _reason(reason: str) -> str:
    text = reason.strip()
    if not text:
        raise DomainValidationError({"reason": [_("say why")]})
    if len(text) > 300:
        raise DomainValidationError({"reason": [_("at most %(max)s characters") % {"max": 300}]})
    return text


# ---------------------------------------------------------------- rate cards


@transaction.atomic
def set_rate_card(
    *,
    version: ContractVersion,
    actor: Actor,
    rates: Mapping[str, Any],
    multiplier: Any = "1.5",
    rollover_periods: int = 0,
    conversion_ratio: Any = None,
    scope: Sequence[tuple[str, str, str]] = (),
    parts_markup_percent: Any = 0,
) -> RateCard:
    """The version's rate card, replaced whole: rates per work type (key ``"remote"``) and
    per work type and role (key ``"remote:senior_engineer"``; a role without one is priced at
    the work type's rate), the out-of-hours multiplier, rollover months, the conversion ratio,
    the scope (category, label, coverage), the markup (%) over a part's cost out of warranty."""
    require_manager(actor, "set rate cards")
    currency = version.contract.fee_currency
    errors: dict[str, list[str]] = {}
    for key in rates:
        work_type, _sep, role = str(key).partition(":")
        if work_type not in WorkType.values:
            errors["rates"] = [_("unknown work type %(code)r") % {"code": work_type}]
        elif role and role not in BillingRole.values:
            errors["rates"] = [
                _("unknown role %(role)r: one of %(values)s")
                % {"role": role, "values": ", ".join(BillingRole.values)}
            ]
    if not isinstance(rollover_periods, int) or not 0 <= rollover_periods <= 36:
        errors["rollover_periods"] = [_("0 to 36 months")]
    for category, _label, coverage in scope:
        if coverage not in Coverage.values:
            errors["scope"] = [
                _("coverage of %(category)r: one of %(values)s")
                % {"category": category, "values": ", ".join(Coverage.values)}
            ]
    if errors:
        raise DomainValidationError(errors)
    prices = {t: parse_amount(v, currency, field=f"rates.{t}") for t, v in rates.items()}
    factor = _decimal(multiplier, "multiplier", low=Decimal(1), high=Decimal(10))
    ratio = (
        None
        if conversion_ratio in (None, "")
        else _decimal(conversion_ratio, "conversion_ratio", low=Decimal("0.01"), high=Decimal(100))
    )
    markup = _decimal(
        parts_markup_percent, "parts_markup_percent", low=Decimal(0), high=Decimal(1000)
    )
    RateCard.objects.filter(contract_version=version).delete()
    card = RateCard.objects.create(
        contract_version=version,
        out_of_hours_multiplier=factor,
        rollover_periods=rollover_periods,
        conversion_ratio=ratio,
        parts_markup_percent=markup,
    )
    Rate.objects.bulk_create(
        Rate(rate_card=card, work_type=t.partition(":")[0], role=t.partition(":")[2], hourly_rate=p)
        for t, p in prices.items()
    )
    ScopeItem.objects.bulk_create(
        ScopeItem(rate_card=card, category=c, label=label[:100], coverage=cov)
        for c, label, cov in scope
    )
    return card


# ---------------------------------------------------------------- hours


def _open_month(contract: Contract, period: Period) -> None:
    if PeriodCharge.objects.filter(contract=contract, period=str(period)).exists():
        raise TransitionError(f"the charges of {period} are produced: the month is closed")


@transaction.atomic
def adjust_hours(
    *,
    contract: Contract,
    period: Period,
    hours: Any,
    reason: str,
    actor: Actor,
    bucket: str = Bucket.MAINTENANCE,
) -> HoursEntry:
    """A signed correction of a balance with its reason (a manager); a month already closed
    takes it into the next open one. Project hours used are recorded this way too."""
    require_manager(actor, "adjust hours")
    amount = _hours(hours, "hours", signed=True)
    text = _reason(reason)
    if bucket not in Bucket.values:
        raise DomainValidationError(
            {"bucket": [_("one of %(values)s") % {"values": ", ".join(Bucket.values)}]}
        )
    Contract.objects.select_for_update().filter(pk=contract.pk).first()
    _open_month(contract, period)
    return HoursEntry.objects.create(
        contract=contract,
        period=str(period),
        bucket=bucket,
        kind=EntryKind.ADJUSTED,
        hours=amount,
        reason=text,
        at=current_time(),
        actor=actor,
    )


@transaction.atomic
def request_conversion(
    *, contract: Contract, period: Period, hours: Any, reason: str, actor: Actor
) -> HoursConversion:
    """Asks to turn unused maintenance hours of an open month into project hours at the
    contract's ratio (422 without a ratio); a manager decides (``decide_conversion``)."""
    if not getattr(actor, "is_staff", False):
        raise PermissionDenied("only provider staff request conversions")
    amount = _hours(hours, "hours")
    text = _reason(reason)
    terms = rate_terms_for_period(contract, period)
    if terms.conversion_ratio is None:
        raise DomainValidationError({"hours": [_("the contract sets no conversion ratio")]})
    _open_month(contract, period)
    return HoursConversion.objects.create(
        contract=contract,
        period=str(period),
        hours=amount,
        ratio=terms.conversion_ratio,
        project_hours=(amount * terms.conversion_ratio).quantize(rules.HOURS),
        reason=text,
        requested_by=actor,
        requested_at=current_time(),
    )


@transaction.atomic
def decide_conversion(
    *, conversion: HoursConversion, approve: bool, actor: Actor, reason: str = ""
) -> HoursConversion:
    """A manager approves (two ledger entries: maintenance -hours, project +hours x ratio)
    or rejects a requested conversion; approving more than the month's remaining hours is
    a 422, deciding twice a 409."""
    require_manager(actor, "decide conversions")
    conversion = HoursConversion.objects.select_for_update().get(pk=conversion.pk)
    if conversion.status != ConversionStatus.REQUESTED:
        raise TransitionError(f"the conversion is already {conversion.status}")
    contract = conversion.contract
    period = Period.parse(conversion.period)
    moment = current_time()
    if approve:
        Contract.objects.select_for_update().filter(pk=contract.pk).first()
        _open_month(contract, period)
        balance = month_balance(contract, period, rate_terms_for_period(contract, period))
        if conversion.hours > balance.remaining:
            raise DomainValidationError(
                {
                    "hours": [
                        _("only %(hours)s unused hours remain in %(period)s")
                        % {"hours": balance.remaining, "period": period}
                    ]
                }
            )
        note = reason.strip() or conversion.reason
        for bucket, hours in (
            (Bucket.MAINTENANCE, -conversion.hours),
            (Bucket.PROJECT, conversion.project_hours),
        ):
            HoursEntry.objects.create(
                contract=contract,
                period=conversion.period,
                bucket=bucket,
                kind=EntryKind.CONVERTED,
                hours=hours,
                reason=note[:300],
                at=moment,
                actor=actor,
                conversion=conversion,
            )
    conversion.status = ConversionStatus.APPROVED if approve else ConversionStatus.REJECTED
    conversion.decided_by = actor
    conversion.decided_at = moment
    conversion.save(update_fields=["status", "decided_by", "decided_at"])
    return conversion


# ---------------------------------------------------------------- charges


def close_month_charges(
    *, contracts: Sequence[Contract], period: Period, now: datetime | None = None
) -> list[PeriodCharge]:
    """Draft charges of a month that has ended for each contract (409 for a month that has
    not); idempotent (``billing.charges.close_charges``)."""
    moment = current_time() if now is None else now
    for contract in contracts:
        if period.bounds(contract.customer.timezone)[1] > moment:
            raise TransitionError(f"{period} has not ended yet for {contract.number}")
    return close_charges(contracts, period, now=moment)


@transaction.atomic
def approve_charge(*, charge: PeriodCharge, actor: Actor) -> PeriodCharge:
    """Makes a draft charge final (a manager; 409 when final). The credit line is taken
    again from the period's credit as decided now (a credit decided after the close)."""
    require_manager(actor, "approve charges")
    charge = PeriodCharge.objects.select_for_update().get(pk=charge.pk)
    if charge.status != ChargeStatus.DRAFT:
        raise TransitionError(_("The charge is already final."))
    _refresh_credit_line(charge)
    charge.status = ChargeStatus.FINAL
    charge.approved_by = actor
    charge.approved_at = current_time()
    charge.save(update_fields=["status", "approved_by", "approved_at", "total"])
    return charge


def _refresh_credit_line(charge: PeriodCharge) -> None:
    credit = PeriodCredit.objects.filter(contract=charge.contract, period=charge.period).first()
    charge.lines.filter(kind=ChargeKind.CREDIT).delete()
    line = credit_line(
        None if credit is None else Credit(credit.currency, credit.amount_due, credit.status),
        charge.currency,
    )
    if line is not None:
        last = charge.lines.order_by("-position").first()
        ChargeLine.objects.create(
            charge=charge,
            position=(last.position if last else 0) + 1,
            kind=line.kind,
            description=line.description,
            quantity=line.quantity,
            amount=line.amount,
        )
    charge.total = sum((line.amount for line in charge.lines.all()), Decimal(0))


# ---------------------------------------------------------------- fee changes

# (status, action) -> allowed: read by the services, the desk, the portal and the API.
FEE_CHANGE_ACTIONS: dict[str, frozenset[str]] = {
    FeeChangeStatus.PROPOSED: frozenset({"approve", "withdraw"}),
    FeeChangeStatus.APPROVED: frozenset({"accept", "decline", "withdraw"}),
}


def fee_change_allows(change: FeeChange, action: str) -> bool:
    return action in FEE_CHANGE_ACTIONS.get(change.status, frozenset())


def _locked_change(change: FeeChange, action: str) -> FeeChange:
    locked = (
        FeeChange.objects.select_for_update().select_related("contract__customer").get(pk=change.pk)
    )
    if not fee_change_allows(locked, action):
        raise TransitionError(f"a {locked.status} fee change cannot be {action}d")
    return locked


@transaction.atomic
def propose_fee_change(
    *,
    contract: Contract,
    fee_amount: Any,
    included_hours: Any,
    effective_from: date,
    reason: str,
    actor: Actor,
) -> FeeChange:
    """A new fee and included hours from any day (staff): a change inside a month splits its
    base fee and included hours pro rata by days (``billing.fees``); a month whose charges
    are produced, or a day outside the term, cannot change (422 on effective_from)."""
    if not getattr(actor, "is_staff", False):
        raise PermissionDenied("only provider staff propose fee changes")
    amount = parse_amount(fee_amount, contract.fee_currency, field="fee_amount")
    hours = _decimal(included_hours, "included_hours", low=Decimal(0), high=MAX_HOURS)
    if hours != hours.quantize(rules.HOURS):
        raise DomainValidationError({"included_hours": [_("hours to 0.01 h")]})
    text = _reason(reason)
    problems = []
    if effective_from > contract.end_date or effective_from < contract.start_date.replace(day=1):
        problems.append("must fall in the contract's term")
    month = Period(effective_from.year, effective_from.month)
    if PeriodCharge.objects.filter(contract=contract, period__gte=str(month)).exists():
        problems.append(f"the charges of {month} or later are produced")
    if problems:
        raise DomainValidationError({"effective_from": problems})
    return FeeChange.objects.create(
        contract=contract,
        fee_amount=amount,
        included_hours=hours,
        effective_from=effective_from,
        reason=text,
        proposed_by=actor,
        proposed_at=current_time(),
    )


@transaction.atomic
def approve_fee_change(*, change: FeeChange, actor: Actor) -> FeeChange:
    """Internal approval (a manager); the customer's contacts are then asked by e-mail."""
    require_manager(actor, "approve fee changes")
    change = _locked_change(change, "approve")
    moment = current_time()
    change.status = FeeChangeStatus.APPROVED
    change.approved_by = actor
    change.approved_at = moment
    change.save(update_fields=["status", "approved_by", "approved_at"])
    contract = change.contract
    message = Message(
        event="fee_change.proposed",
        subject=_("Contract %(contract)s: a fee change awaits your answer")
        % {"contract": contract.number},
        body=_(
            "From %(day)s: fee %(fee)s %(currency)s, included hours %(hours)s. Reason: "
            "%(reason)s. Accept or decline it in the customer portal."
        )
        % {
            "day": change.effective_from.isoformat(),
            "fee": change.fee_amount,
            "currency": contract.fee_currency,
            "hours": change.included_hours,
            "reason": change.reason,
        },
        payload={"contract": contract.number, "fee_change": change.pk},
        contract_id=contract.pk,
    )
    tell(contract, key=f"fee-change:{change.pk}", message=message, now=moment, customer=True)
    return change


def _customer_answer(change: FeeChange, actor: Actor, action: str) -> FeeChange:
    contact = contact_for(actor)
    if contact is None or contact.customer_id != change.contract.customer_id:
        raise PermissionDenied("only the customer's contacts answer a fee change")
    return _locked_change(change, action)


@transaction.atomic
def accept_fee_change(*, change: FeeChange, actor: Actor, note: str = "") -> FeeChange:
    """The customer accepts: a contract version from the effective date (open tickets keep
    their terms, ``tickets.services.amend_contract_terms``) and the fee in force from then."""
    change = _customer_answer(change, actor, "accept")
    contract = change.contract
    moment = current_time()
    starts = local_midnight(change.effective_from, contract.customer.timezone)
    version = amend_contract_terms(
        contract=contract,
        effective_from=starts,
        reason=system_notes.fee_change_accepted(
            fee=change.fee_amount, hours=change.included_hours, reason=change.reason
        ),
        actor=actor,
    )
    change.status = FeeChangeStatus.ACCEPTED
    change.answered_by = actor
    change.answered_at = moment
    change.answer_note = note.strip()[:300]
    change.version = version
    change.save(update_fields=["status", "answered_by", "answered_at", "answer_note", "version"])
    return change


@transaction.atomic
def decline_fee_change(*, change: FeeChange, actor: Actor, note: str = "") -> FeeChange:
    change = _customer_answer(change, actor, "decline")
    change.status = FeeChangeStatus.DECLINED
    change.answered_by = actor
    change.answered_at = current_time()
    change.answer_note = note.strip()[:300]
    change.save(update_fields=["status", "answered_by", "answered_at", "answer_note"])
    return change


@transaction.atomic
def withdraw_fee_change(*, change: FeeChange, actor: Actor) -> FeeChange:
    if not getattr(actor, "is_staff", False):
        raise PermissionDenied("only provider staff withdraw fee changes")
    change = _locked_change(change, "withdraw")
    change.status = FeeChangeStatus.WITHDRAWN
    change.save(update_fields=["status"])
    return change
