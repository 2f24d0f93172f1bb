"""All writes to billing: credit schedules, force majeure, period credits, work logs.

Period credits move computed -> approved | adjusted -> applied. Only a computed credit can be
recomputed; approving twice, adjusting an applied credit or applying an undecided one is a
409 (``TransitionError``). Every change leaves an immutable ``CreditAudit`` row.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from servicepact.accounts.actors import MONEY_ROLES, Actor, actor_name, may_decide_money
from servicepact.accounts.choices import BillingRole
from servicepact.accounts.models import StaffProfile
from servicepact.backups.statement import recovery_credit_lines
from servicepact.billing import worksums
from servicepact.billing.alerts import check_hours_alerts
from servicepact.billing.choices import AuditAction, CreditStatus, WorkLogAction, WorkType
from servicepact.billing.credits import CENT, CreditDraft, draft_credit, money, monthly_fee
from servicepact.billing.facts import PeriodFacts, period_facts
from servicepact.billing.hours import out_of_hours_minutes
from servicepact.billing.models import (
    AvailabilityCreditTier,
    BreachCredit,
    CreditAudit,
    CreditLine,
    CreditSchedule,
    ForceMajeure,
    PeriodCharge,
    PeriodCredit,
    WorkLog,
    WorkLogAudit,
)
from servicepact.billing.periods import Period, months_between
from servicepact.billing.schedules import schedule_for_period
from servicepact.contracts.choices import PRIORITIES
from servicepact.contracts.metrics import metric_codes
from servicepact.contracts.models import Contract, ContractVersion
from servicepact.core.errors import DomainValidationError, TransitionError
from servicepact.core.money import format_amount, minor_units, parse_amount, quantize
from servicepact.core.time import local_date, require_aware
from servicepact.core.time import now as current_time
from servicepact.security.statement import credit_lines as security_credit_lines
from servicepact.security.statement import security_breaches
from servicepact.slaclock import statement_rules
from servicepact.slaclock.statement_rules import DraftLine
from servicepact.tickets.models import Ticket

MANAGER_ROLES = MONEY_ROLES

# ---------------------------------------------------------------- helpers


def _percent(value: Any, field: str, errors: dict[str, list[str]]) -> Decimal:
    try:
        result = Decimal(str(value))
    except (InvalidOperation, ValueError):
        errors[field] = [_("not a number: %(value)r") % {"value": value}]
        return Decimal(0)
    if not result.is_finite() or not Decimal(0) <= result <= Decimal(100):
        errors[field] = [_("must be a percentage from 0 to 100")]
    return result


def may_decide_credits(actor: Actor) -> bool:
    """Whether ``actor`` decides credits and force majeure (service managers, billing,
    superusers): ``accounts.actors.may_decide_money``, the one rule."""
    return may_decide_money(actor)


def require_manager(actor: Actor, action: str) -> None:
    """Credits and force majeure are decided by service managers and billing staff (403)."""
    if not may_decide_credits(actor):
        raise PermissionDenied(
            _("only a service manager or billing may %(action)s") % {"action": action}
        )


def _reason(reason: str) -> str:
    if not reason or not reason.strip():
        raise DomainValidationError({"reason": [_("a reason is required")]})
    return reason.strip()


# ---------------------------------------------------------------- schedules


@transaction.atomic
def set_credit_schedule(
    *,
    version: ContractVersion,
    tiers: Iterable[tuple[Any, Any]] = (),
    breach_credits: Iterable[Mapping[str, Any]] = (),
    cap_percent: Any = None,
    claim_window_days: int = 30,
    notes: str = "",
) -> CreditSchedule:
    """Sets (replaces) the credit schedule of a contract version.

    ``tiers``: (below_percent, credit_percent) pairs; ``breach_credits``: dicts with metric,
    priority, credit_percent; ``cap_percent`` None means no cap.
    """
    errors: dict[str, list[str]] = {}
    cap = None if cap_percent is None else _percent(cap_percent, "cap_percent", errors)
    if claim_window_days < 0:
        errors["claim_window_days"] = [_("must not be negative")]
    tier_rows = []
    for i, (below, credit) in enumerate(tiers):
        tier_rows.append(
            (_percent(below, f"tiers[{i}].below_percent", errors),
             _percent(credit, f"tiers[{i}].credit_percent", errors))
        )  # fmt: skip
    if len({b for b, _ in tier_rows}) != len(tier_rows):
        errors["tiers"] = [_("two tiers have the same threshold")]
    breach_rows = []
    codes = metric_codes()
    for i, row in enumerate(breach_credits):
        metric, priority = str(row.get("metric", "")), row.get("priority")
        if metric not in codes:
            errors[f"breach_credits[{i}].metric"] = [
                _("must be one of %(choices)s") % {"choices": ", ".join(codes)}
            ]
        if priority not in PRIORITIES:
            errors[f"breach_credits[{i}].priority"] = [_("must be 1, 2, 3 or 4")]
        credit = _percent(row.get("credit_percent"), f"breach_credits[{i}].credit_percent", errors)
        # A refused priority stores nothing (the errors are raised below): 0 only fills the row.
        breach_rows.append((metric, priority if priority in PRIORITIES else 0, credit))
    if len({(m, p) for m, p, _ in breach_rows}) != len(breach_rows):
        errors["breach_credits"] = [_("two credits for the same metric and priority")]
    if errors:
        raise DomainValidationError(errors)
    CreditSchedule.objects.filter(contract_version=version).delete()
    schedule = CreditSchedule.objects.create(
        contract_version=version,
        cap_percent=cap,
        claim_window_days=claim_window_days,
        notes=notes,
    )
    AvailabilityCreditTier.objects.bulk_create(
        [AvailabilityCreditTier(schedule=schedule, below_percent=b, credit_percent=c)
         for b, c in tier_rows]
    )  # fmt: skip
    BreachCredit.objects.bulk_create(
        [BreachCredit(schedule=schedule, metric=m, priority=p, credit_percent=c)
         for m, p, c in breach_rows]
    )  # fmt: skip
    return schedule


# ---------------------------------------------------------------- force majeure


@transaction.atomic
def flag_force_majeure(
    *,
    contract: Contract,
    actor: Actor,
    reason: str,
    ticket: Ticket | None = None,
    starts_at: datetime | None = None,
    ends_at: datetime | None = None,
) -> ForceMajeure:
    """A manager declares a ticket, or a period, force majeure: no credit for its breaches.

    Recompute the affected month's credits afterwards (while they are still computed).
    """
    require_manager(actor, "flag force majeure")
    text = _reason(reason)
    if ticket is None and (starts_at is None or ends_at is None):
        raise DomainValidationError(
            {"ticket": [_("give a ticket or a period (starts_at, ends_at)")]}
        )
    if ticket is not None and ticket.contract_id != contract.pk:
        raise DomainValidationError(
            {
                "ticket": [
                    _("%(ticket)s is not on %(contract)s")
                    % {"ticket": ticket.number, "contract": contract.number}
                ]
            }
        )
    if starts_at is not None or ends_at is not None:
        if starts_at is None or ends_at is None:
            raise DomainValidationError({"ends_at": [_("a period needs both ends")]})
        require_aware(starts_at, "starts_at")
        require_aware(ends_at, "ends_at")
        if ends_at <= starts_at:
            raise DomainValidationError({"ends_at": [_("must be after starts_at")]})
    return ForceMajeure.objects.create(
        contract=contract,
        ticket=ticket,
        starts_at=starts_at,
        ends_at=ends_at,
        reason=text,
        flagged_by=actor,
        flagged_at=current_time(),
    )


def declare_force_majeure(
    *,
    contract: Contract,
    actor: Actor,
    reason: str,
    ticket: Ticket | None = None,
    starts_at: datetime | None = None,
    ends_at: datetime | None = None,
) -> tuple[ForceMajeure, list[PeriodCredit]]:
    """Flags force majeure (``flag_force_majeure``: who, when and why are stored on the row)
    and recomputes the months it touches whose credits are stored and still ``computed`` and
    whose claim window is open, so the credits reflect it at once. Returns the flag and the
    credits recomputed; decided credits are left alone (a manager adjusts them)."""
    with transaction.atomic():
        flag = flag_force_majeure(
            contract=contract,
            actor=actor,
            reason=reason,
            ticket=ticket,
            starts_at=starts_at,
            ends_at=ends_at,
        )
        recomputed: list[PeriodCredit] = []
        for credit in _open_credits(contract, affected_periods(flag)):
            try:
                recomputed.append(
                    compute_period_credits(contract=contract, period=credit.period, actor=actor)
                )
            except TransitionError:
                continue  # the claim window closed: the stored figures stay as decided
    return flag, recomputed


def affected_periods(flag: ForceMajeure) -> list[str]:
    """The months (customer's zone) a flag can change: its period's, and for a ticket the
    months from the ticket's opening to now (its clocks are decided in any of them)."""
    tz = flag.contract.customer.timezone
    spans: list[tuple[datetime, datetime]] = []
    if flag.ticket is not None:
        spans.append((flag.ticket.opened_at, current_time()))
    if flag.starts_at is not None and flag.ends_at is not None:
        spans.append((flag.starts_at, flag.ends_at - timedelta(seconds=1)))
    months = {
        str(p)
        for first, last in spans
        for p in months_between(Period.containing(first, tz), Period.containing(last, tz))
    }
    return sorted(months)


def _open_credits(contract: Contract, periods: list[str]) -> list[PeriodCredit]:
    return list(
        PeriodCredit.objects.filter(
            contract=contract, period__in=periods, status=CreditStatus.COMPUTED
        ).order_by("period")
    )


# ---------------------------------------------------------------- period credits


def credit_summary(credit: PeriodCredit | None) -> dict[str, Any] | None:
    """What an audit row records of a credit's state."""
    if credit is None:
        return None
    return {
        "status": credit.status,
        "computed_amount": format_amount(credit.computed_amount, credit.currency),
        "computed_percent": str(credit.computed_percent),
        "approved_amount": None
        if credit.approved_amount is None
        else format_amount(credit.approved_amount, credit.currency),
        "currency": credit.currency,
        "lines": [
            {
                "rule": line.rule,
                "percent": str(line.percent),
                "amount": format_amount(line.amount, credit.currency),
                "ticket": line.ticket_number,
                "excluded": line.excluded,
            }
            for line in credit.lines.all()
        ],
    }


def _audit(
    credit: PeriodCredit,
    *,
    action: str,
    actor: Actor,
    before: dict[str, Any] | None,
    reason: str = "",
    at: datetime | None = None,
) -> CreditAudit:
    return CreditAudit.objects.create(
        credit=credit,
        at=at or current_time(),
        actor=actor if getattr(actor, "pk", None) else None,
        actor_name=actor_name(actor),
        action=action,
        before=before,
        after=credit_summary(credit),
        reason=reason,
    )


def claim_deadline(facts: PeriodFacts) -> date | None:
    if facts.schedule is None:
        return None
    return facts.period.last_day + timedelta(days=facts.schedule.claim_window_days)


def availability_note(facts: PeriodFacts) -> str:
    return statement_rules.availability_note(facts.availability.force_majeure_seconds)


def draft_for(
    facts: PeriodFacts, *, fee: Decimal | None = None, tickets_only: bool = False
) -> CreditDraft:
    """The month's credit lines by the rules; ``fee``: another monthly fee than the one in
    force (the tier replay prices another plan's fee). ``tickets_only``: the ticket clocks'
    breach lines (and the cap) only, without the contract-wide availability, security and
    recovery lines (the tier replay of some assets: those lines belong to no asset)."""
    fee = monthly_fee(facts.contract, facts.period) if fee is None else fee
    return draft_credit(
        fee=fee,
        schedule=facts.schedule,
        schedules=facts.schedules,
        availability=None if tickets_only else facts.availability.percent,
        availability_note="" if tickets_only else availability_note(facts),
        breaches=facts.breaches,
        currency=facts.contract.fee_currency,
        extra=[] if tickets_only else [*security_lines(facts, fee), *recovery_lines(facts, fee)],
    )


def recovery_lines(facts: PeriodFacts, fee: Decimal) -> list[DraftLine]:
    """Credits of the month's recovery commitments measured from backups (RPO, drills)."""
    return list(
        recovery_credit_lines(
            facts.contract,
            facts.start,
            facts.end,
            facts.cutoff,
            fee,
            minor_units(facts.contract.fee_currency),
        )
    )


def security_lines(facts: PeriodFacts, fee: Decimal) -> list[DraftLine]:
    """Per-breach credits of the month's missed patch and rectification deadlines."""
    breaches = security_breaches(facts.contract, facts.start, facts.cutoff)
    return security_credit_lines(breaches, fee, minor_units(facts.contract.fee_currency))


def compute_period_credits(
    *,
    contract: Contract,
    period: str | Period,
    actor: Actor = None,
    facts: PeriodFacts | None = None,
    now: datetime | None = None,
) -> PeriodCredit:
    """Computes (or recomputes, while still ``computed``) a month's credits from the rules,
    as of ``now`` (default: the current instant) for both the figures and the claim window.

    409 once approved, adjusted or applied, and after the claim window has closed.
    """
    month = period if isinstance(period, Period) else Period.parse(period)
    moment = now or current_time()
    facts = facts or period_facts(contract, month, now=moment)
    draft = draft_for(facts)
    deadline = claim_deadline(facts)
    try:
        with transaction.atomic():
            return _store_credit(contract, month, facts, draft, deadline, actor, moment)
    except IntegrityError:
        # Another worker created the row between our read and our insert: recompute over it.
        with transaction.atomic():
            return _store_credit(contract, month, facts, draft, deadline, actor, moment)


def _store_credit(
    contract: Contract,
    month: Period,
    facts: PeriodFacts,
    draft: CreditDraft,
    deadline: date | None,
    actor: Actor,
    moment: datetime,
) -> PeriodCredit:
    credit = (
        PeriodCredit.objects.select_for_update()
        .filter(contract=contract, period=str(month))
        .first()
    )
    before = credit_summary(credit)
    if credit is not None and credit.status != CreditStatus.COMPUTED:
        raise TransitionError(
            _(
                "credits of %(contract)s for %(month)s are %(status)s; only computed credits can be recomputed"
            )
            % {"contract": contract.number, "month": month, "status": credit.get_status_display()}
        )
    if deadline is not None and local_date(moment, facts.timezone) > deadline:
        raise TransitionError(
            _("the claim window for %(contract)s %(month)s closed on %(deadline)s")
            % {"contract": contract.number, "month": month, "deadline": deadline.isoformat()}
        )
    if credit is None:
        credit = PeriodCredit(contract=contract, period=str(month))
    credit.currency = contract.fee_currency
    credit.monthly_fee = draft.monthly_fee
    credit.computed_percent = draft.percent.quantize(CENT)
    credit.computed_amount = quantize(draft.amount, credit.currency)
    credit.claim_deadline = deadline
    credit.computed_at = moment
    credit.save()
    credit.lines.all().delete()
    CreditLine.objects.bulk_create(
        [
            CreditLine(
                credit=credit,
                position=i,
                rule=line.rule,
                description=line.description[:300],
                percent=line.percent.quantize(CENT),
                amount=quantize(line.amount, credit.currency),
                ticket_id=line.ticket_id,
                ticket_number=line.ticket_number,
                metric=line.metric,
                priority=line.priority,
                excluded=line.excluded,
                exclusion_reason=line.exclusion_reason[:300],
            )
            for i, line in enumerate(draft.lines, start=1)
        ]
    )
    action = AuditAction.COMPUTE if before is None else AuditAction.RECOMPUTE
    _audit(credit, action=action, actor=actor, before=before, at=moment)
    return credit


def credit_cap(credit: PeriodCredit) -> Decimal | None:
    """The most a month's credits may amount to: the cap % (of the schedule in force at the
    end of the month) of the stored monthly fee; None when the schedule has no cap."""
    schedule = schedule_for_period(credit.contract, Period.parse(credit.period))
    if schedule is None or schedule.cap_percent is None:
        return None
    return money(credit.monthly_fee, schedule.cap_percent, credit.currency)


def _locked(credit: PeriodCredit) -> PeriodCredit:
    return PeriodCredit.objects.select_for_update().get(pk=credit.pk)


def _check(credit: PeriodCredit, action: str, allowed: Iterable[str]) -> None:
    allowed = tuple(allowed)
    if credit.status not in allowed:
        names = ", ".join(str(CreditStatus(s).label) for s in allowed)
        raise TransitionError(
            _(
                "cannot %(action)s the credits of %(period)s: they are %(status)s; allowed from: %(names)s"
            )
            % {
                "action": action,
                "period": credit.period,
                "status": credit.get_status_display(),
                "names": names,
            }
        )


@transaction.atomic
def approve_credits(*, credit: PeriodCredit, actor: Actor, reason: str) -> PeriodCredit:
    """A manager accepts the computed amount as owed: computed -> approved."""
    require_manager(actor, "approve credits")
    text = _reason(reason)
    credit = _locked(credit)
    _check(credit, "approve", [CreditStatus.COMPUTED])
    before = credit_summary(credit)
    moment = current_time()
    credit.status = CreditStatus.APPROVED
    credit.approved_amount = credit.computed_amount
    credit.decided_by, credit.decided_at = actor, moment
    credit.save(update_fields=["status", "approved_amount", "decided_by", "decided_at"])
    _audit(credit, action=AuditAction.APPROVE, actor=actor, before=before, reason=text, at=moment)
    return credit


@transaction.atomic
def adjust_credits(
    *, credit: PeriodCredit, amount: Decimal | str | int, actor: Actor, reason: str
) -> PeriodCredit:
    """A manager sets another amount owed (with a reason): computed | approved | adjusted -> adjusted."""
    require_manager(actor, "adjust credits")
    text = _reason(reason)
    value = parse_amount(amount, credit.currency, "amount")  # the currency's minor unit
    credit = _locked(credit)
    _check(credit, "adjust", [CreditStatus.COMPUTED, CreditStatus.APPROVED, CreditStatus.ADJUSTED])
    cap = credit_cap(credit)
    if cap is not None and value > cap:
        raise DomainValidationError(
            {
                "amount": [
                    _("must not exceed the contract's cap of %(amount)s %(currency)s")
                    % {"amount": format_amount(cap, credit.currency), "currency": credit.currency}
                ]
            }
        )
    before = credit_summary(credit)
    moment = current_time()
    credit.status = CreditStatus.ADJUSTED
    credit.approved_amount = value
    credit.decided_by, credit.decided_at = actor, moment
    credit.save(update_fields=["status", "approved_amount", "decided_by", "decided_at"])
    _audit(credit, action=AuditAction.ADJUST, actor=actor, before=before, reason=text, at=moment)
    return credit


@transaction.atomic
def mark_applied(*, credit: PeriodCredit, actor: Actor, reason: str = "") -> PeriodCredit:
    """The decided amount went out (credit note, invoice deduction): approved | adjusted -> applied."""
    require_manager(actor, "mark credits applied")
    credit = _locked(credit)
    _check(credit, "mark applied", [CreditStatus.APPROVED, CreditStatus.ADJUSTED])
    before = credit_summary(credit)
    moment = current_time()
    credit.status = CreditStatus.APPLIED
    credit.applied_at = moment
    credit.save(update_fields=["status", "applied_at"])
    _audit(
        credit,
        action=AuditAction.APPLY,
        actor=actor,
        before=before,
        reason=reason.strip(),
        at=moment,
    )
    return credit


# ---------------------------------------------------------------- work logs


def _log_values(log: WorkLog) -> dict[str, Any]:
    return {
        "user": log.user_id,
        "date": log.date.isoformat(),
        "started_at": log.started_at.isoformat() if log.started_at else None,
        "minutes": log.minutes,
        "work_type": log.work_type,
        "role": log.role,
        "category": log.category,
        "billable": log.billable,
        "note": log.note,
        "out_of_hours_minutes": log.out_of_hours_minutes,
    }


def _audit_log(
    log: WorkLog, *, action: str, actor: Actor, before: dict[str, Any] | None, reason: str = ""
) -> None:
    WorkLogAudit.objects.create(
        work_log_id=log.pk,
        ticket_id=log.ticket_id,
        at=current_time(),
        actor=actor if getattr(actor, "pk", None) else None,
        actor_name=actor.get_username() if actor is not None and actor.pk else "",
        action=action,
        before=before,
        after=None if action == WorkLogAction.DELETE else _log_values(log),
        reason=reason,
    )


def _month_open(ticket: Ticket, day: date, errors: dict[str, list[str]]) -> None:
    """A month whose charges are produced is closed to work logs (adjust the ledger instead)."""
    if ticket.contract_id is None:
        return
    period = str(Period(day.year, day.month))
    if PeriodCharge.objects.filter(contract_id=ticket.contract_id, period=period).exists():
        errors["date"] = [
            _("the charges of %(period)s are produced: the month is closed") % {"period": period}
        ]


def _check_log(
    *,
    ticket: Ticket,
    user: Any,
    minutes: Any,
    day: date,
    started_at: datetime | None,
    work_type: str,
    category: str,
    note: str,
    role: str = "",
) -> date:
    """Validates a work log's fields (422 naming each); returns its day (the local date of
    ``started_at`` in the ticket's zone when a start is given)."""
    errors: dict[str, list[str]] = {}
    if not isinstance(minutes, int) or not 1 <= minutes <= 24 * 60:
        errors["minutes"] = [_("must be 1 to 1440 minutes")]
    if not getattr(user, "is_staff", False):
        errors["user"] = [_("only provider staff log work")]
    moment = current_time()
    if started_at is not None:
        require_aware(started_at)
        day = local_date(started_at, ticket.timezone)
        if isinstance(minutes, int) and started_at + timedelta(minutes=minutes) > moment:
            errors["started_at"] = [_("the work must have ended by now")]
    if day > local_date(moment, ticket.timezone):
        errors["date"] = [_("must not be in the future")]
    if work_type not in WorkType.values:
        errors["work_type"] = [_("one of %(values)s") % {"values": ", ".join(WorkType.values)}]
    if role and role not in BillingRole.values:
        errors["role"] = [
            _("one of %(values)s, or empty") % {"values": ", ".join(BillingRole.values)}
        ]
    if category and (len(category) > 40 or not re.fullmatch(r"[-a-z0-9_]+", category)):
        errors["category"] = [_("a slug of at most 40 characters (a-z, 0-9, - and _)")]
    if len(note.strip()) > 300:
        errors["note"] = [_("at most %(max)s characters") % {"max": 300}]
    _month_open(ticket, day, errors)
    if errors:
        raise DomainValidationError(errors)
    return day


def _after_log(log: WorkLog) -> None:
    if log.ticket.contract is not None:
        check_hours_alerts(
            contract=log.ticket.contract,
            period=Period(log.date.year, log.date.month),
            now=current_time(),
        )


def billing_role_of(user: Any) -> str:
    """The rate card's role a staff member's work is priced at ("" without a profile)."""
    pk = getattr(user, "pk", None)
    if pk is None:
        return ""
    profile = StaffProfile.objects.filter(user_id=pk).first()
    return profile.billing_role if profile is not None else ""


@transaction.atomic
def log_work(
    *,
    ticket: Ticket,
    user: Any,
    minutes: int,
    day: date | None = None,
    started_at: datetime | None = None,
    billable: bool = True,
    note: str = "",
    work_type: str = WorkType.REMOTE,
    category: str = "",
    role: str | None = None,
    actor: Actor = None,
) -> WorkLog:
    """Records time ``user`` spent on a ticket; billable time counts against the included
    hours (or is extra work, by the scope of its category). ``actor`` (who enters it, default
    ``user``) must be staff too (403). With ``started_at`` the engine computes the minutes
    outside the contract's coverage hours (they cost the rate card's multiplier). ``role``
    (the rate card's role the time is priced at) defaults to ``user``'s billing role, kept on
    the log so a later change of the profile does not reprice it. Leaves an audit record;
    tells of 80 % / 100 % of the month's hours."""
    if actor is not None and not getattr(actor, "is_staff", False):
        raise PermissionDenied(_("only provider staff log work"))
    if day is None and started_at is None:
        raise DomainValidationError({"date": [_("give the day or the start of the work")]})
    if role is None:
        role = billing_role_of(user)
    day = _check_log(
        ticket=ticket,
        user=user,
        minutes=minutes,
        day=day or date.min,
        started_at=started_at,
        work_type=work_type,
        category=category,
        note=note,
        role=role,
    )
    log = WorkLog.objects.create(
        ticket=ticket,
        user=user,
        minutes=minutes,
        date=day,
        started_at=started_at,
        work_type=work_type,
        role=role,
        category=category,
        out_of_hours_minutes=out_of_hours_minutes(ticket, started_at, minutes),
        billable=billable,
        note=note.strip(),
    )
    worksums.add_log(log)
    _audit_log(log, action=WorkLogAction.CREATE, actor=actor or user, before=None)
    _after_log(log)
    return log


EDITABLE = (
    "user",
    "minutes",
    "date",
    "started_at",
    "work_type",
    "role",
    "category",
    "billable",
    "note",
)


@transaction.atomic
def edit_work_log(*, log: WorkLog, actor: Actor, reason: str = "", **changes: Any) -> WorkLog:
    """Changes a work log (staff, 403); audited with its values before and after. A log of
    a closed month (its charges produced), or moved into one, is refused (422 on date)."""
    if not getattr(actor, "is_staff", False):
        raise PermissionDenied("only provider staff edit work logs")
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise DomainValidationError({f: ["cannot be changed"] for f in sorted(unknown)})
    log = (
        WorkLog.objects.select_for_update(of=("self",))
        .select_related("ticket__contract__plan")
        .get(pk=log.pk)
    )
    before = _log_values(log)
    errors: dict[str, list[str]] = {}
    _month_open(log.ticket, log.date, errors)
    if errors:
        raise DomainValidationError(errors)
    values = {f: getattr(log, f) for f in EDITABLE} | changes
    values["role"] = values["role"] or ""
    if "date" in changes and "started_at" not in changes:
        values["started_at"] = None  # a new day without a start: the old start is wrong
    day = _check_log(
        ticket=log.ticket,
        user=values["user"],
        minutes=values["minutes"],
        day=values["date"],
        started_at=values["started_at"],
        work_type=values["work_type"],
        category=values["category"],
        note=values["note"],
        role=values["role"],
    )
    worksums.remove_log(log)  # the old values out of their month, the new ones in below
    for name in EDITABLE:
        setattr(log, name, values[name])
    log.date = day
    log.note = log.note.strip()
    log.out_of_hours_minutes = out_of_hours_minutes(log.ticket, log.started_at, log.minutes)
    log.save()
    worksums.add_log(log)
    _audit_log(log, action=WorkLogAction.EDIT, actor=actor, before=before, reason=reason.strip())
    _after_log(log)
    return log


@transaction.atomic
def delete_work_log(*, log: WorkLog, actor: Actor, reason: str = "") -> None:
    """Deletes a work log of an open month (staff, 403); the audit keeps its values."""
    if not getattr(actor, "is_staff", False):
        raise PermissionDenied("only provider staff delete work logs")
    log = WorkLog.objects.select_for_update(of=("self",)).select_related("ticket").get(pk=log.pk)
    errors: dict[str, list[str]] = {}
    _month_open(log.ticket, log.date, errors)
    if errors:
        raise DomainValidationError(errors)
    _audit_log(
        log, action=WorkLogAction.DELETE, actor=actor, before=_log_values(log), reason=reason
    )
    worksums.remove_log(log)
    log.delete()
