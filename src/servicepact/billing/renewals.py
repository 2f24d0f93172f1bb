"""Renewal proposals for manually renewing contracts (issue 15, "Renewals").

prepared (staff, with a summary of the closing term) -> sent (a manager approves it: the
internal approval, and the contacts are told in their own language) -> accepted | declined
(the customer's contact, with a note). Accepted, the new term is recorded by
``contracts.services.renew_contract`` (the one path for a manual renewal: a contract version,
the ``renewed`` event), and the tickets opened in grace are covered after all
(``tickets.services.reinstate_grace_tickets``). Each function is one transaction; a wrong
state is a 409, a wrong field a 422 naming it, a wrong role a 403.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils import translation
from django.utils.translation import gettext as _

from servicepact.billing.choices import CreditStatus, FeeChangeStatus, RenewalStatus
from servicepact.billing.credits import CENT
from servicepact.billing.fees import FeeTerms, fee_in_force
from servicepact.billing.models import FeeChange, PeriodCredit, RenewalProposal, WorkLog
from servicepact.billing.periods import Period
from servicepact.billing.periods import months_between as period_range
from servicepact.billing.services import require_manager
from servicepact.contracts.choices import ContractStatus, Renewal
from servicepact.contracts.escalation import ContractEventKind
from servicepact.contracts.lifecycle import customer_not_before
from servicepact.contracts.models import Contract, ServicePlan
from servicepact.contracts.services import renew_contract, set_target
from servicepact.core.errors import DomainValidationError, TransitionError
from servicepact.core.money import parse_amount
from servicepact.core.time import local_date, local_midnight
from servicepact.core.time import now as current_time
from servicepact.customers.models import Contact
from servicepact.customers.selectors import contact_for, scope_to_customer
from servicepact.monitoring.availability import contract_availability
from servicepact.notifications.choices import Audience
from servicepact.notifications.language import language_for
from servicepact.notifications.services import Message, notify_email, notify_user
from servicepact.slaclock.statement_rules import availability_percent
from servicepact.tickets import system_notes
from servicepact.tickets.choices import ClockState
from servicepact.tickets.models import SlaClock, Ticket
from servicepact.tickets.services import reinstate_grace_tickets

NOTE_MAX = 300
MAX_TERM_DAYS = 366 * 10

# (status, action) -> allowed: read by the services, the desk, the portal and the API.
RENEWAL_ACTIONS: dict[str, frozenset[str]] = {
    RenewalStatus.PREPARED: frozenset({"send", "withdraw"}),
    RenewalStatus.SENT: frozenset({"accept", "decline", "withdraw"}),
}
CREDITED = (CreditStatus.APPROVED, CreditStatus.ADJUSTED, CreditStatus.APPLIED)


def renewal_allows(proposal: RenewalProposal, action: str) -> bool:
    return action in RENEWAL_ACTIONS.get(proposal.status, frozenset())


def renewals_visible(user: Any) -> QuerySet[RenewalProposal]:
    """Staff see every proposal; a contact its customer's once sent (a proposal still inside
    the provider is not the customer's business); anyone else nothing."""
    qs = RenewalProposal.objects.select_related("contract__customer", "version", "plan").order_by(
        "-prepared_at", "-id"
    )
    if not getattr(user, "is_staff", False):
        qs = qs.exclude(status=RenewalStatus.PREPARED)
    return scope_to_customer(qs, user, field="contract__customer")


# ---------------------------------------------------------------- the closing term


def term_start(contract: Contract) -> date:
    """The first day of the current term: the day after the last renewal's previous end,
    else the contract's start."""
    last = (
        contract.events.filter(kind=ContractEventKind.RENEWED)
        .order_by("-at", "-id")
        .values_list("data", flat=True)
        .first()
    )
    if last and last.get("previous_end"):
        return date.fromisoformat(last["previous_end"]) + timedelta(days=1)
    return contract.start_date


def months_between(start: date, end: date) -> int:
    """Calendar months touched from ``start`` to ``end`` inclusive (at least 1)."""
    return max(1, (end.year - start.year) * 12 + end.month - start.month + 1)


FEE_PERIOD_MONTHS = {"monthly": 1, "quarterly": 3, "yearly": 12}


def closing_summary(contract: Contract, *, now: datetime) -> dict[str, Any]:
    """The closing term in figures, from the data (a handful of aggregate queries, and the
    availability of each month of the term): tickets opened and still open, SLA clocks
    met/breached and the compliance, service credits approved or applied, hours logged
    against the hours included, availability (``term_availability``)."""
    tz = contract.customer.timezone
    start = term_start(contract)
    end = contract.end_date
    since = local_midnight(start, tz)
    until = min(local_midnight(end + timedelta(days=1), tz), now)
    tickets = Ticket.objects.filter(contract=contract, opened_at__gte=since, opened_at__lt=until)
    counts = tickets.aggregate(
        opened=Count("pk"), still_open=Count("pk", filter=~Q(status__in=("resolved", "closed")))
    )
    clocks = SlaClock.objects.filter(ticket__in=tickets).aggregate(
        met=Count("pk", filter=Q(state=ClockState.MET)),
        breached=Count("pk", filter=Q(state=ClockState.BREACHED)),
    )
    decided = clocks["met"] + clocks["breached"]
    compliance = (
        str((Decimal(100) * clocks["met"] / decided).quantize(Decimal("0.1"))) if decided else None
    )
    credits = PeriodCredit.objects.filter(
        contract=contract,
        period__gte=f"{start:%Y-%m}",
        period__lte=f"{end:%Y-%m}",
        status__in=CREDITED,
    ).aggregate(total=Sum(Coalesce("approved_amount", "computed_amount")))
    minutes = WorkLog.objects.filter(
        ticket__contract=contract, date__gte=start, date__lte=end
    ).aggregate(total=Sum("minutes"))["total"]
    availability = term_availability(contract, start, end, now=now)
    months = months_between(start, end)
    per_period = FEE_PERIOD_MONTHS.get(contract.fee_period, 1)
    included = (contract.included_hours * months / per_period).quantize(Decimal("0.01"))
    return {
        "term_start": start.isoformat(),
        "term_end": end.isoformat(),
        "as_of": now.isoformat(),
        "tickets_opened": counts["opened"],
        "tickets_open": counts["still_open"],
        "clocks_met": clocks["met"],
        "clocks_breached": clocks["breached"],
        "compliance_percent": compliance,
        "credits_paid": str(credits["total"] or Decimal("0.00")),
        "currency": contract.fee_currency,
        "hours_used": str((Decimal(minutes or 0) / 60).quantize(Decimal("0.01"))),
        "hours_included": str(included),
        **availability,
    }


def term_availability(
    contract: Contract, start: date, end: date, *, now: datetime
) -> dict[str, Any]:
    """The term's availability from the monitoring app (``contract_availability`` per month,
    the current month to now): unplanned downtime over measured time summed over the months,
    as the monthly figure is computed (``statement_rules.availability_percent``: truncated,
    never rounded up), and how many months met or missed the availability commitment."""
    tz = contract.customer.timezone
    last = min(end, local_date(now, tz))
    measured = unplanned = met = missed = 0
    if last >= start:
        for period in period_range(Period(start.year, start.month), Period(last.year, last.month)):
            result = contract_availability(contract, period.year, period.month)
            measured += result.measured_seconds
            unplanned += result.unplanned_downtime_seconds
            if result.met is True:
                met += 1
            elif result.met is False:
                missed += 1
    percent = availability_percent(measured, unplanned)
    return {
        "availability_percent": None if percent is None else str(percent),
        "availability_months_met": met,
        "availability_months_missed": missed,
    }


# ---------------------------------------------------------------- writes


def _locked(proposal: RenewalProposal, action: str) -> RenewalProposal:
    locked = (
        RenewalProposal.objects.select_for_update()
        .select_related("contract__customer")
        .get(pk=proposal.pk)
    )
    if not renewal_allows(locked, action):
        raise TransitionError(
            _("a %(status)s renewal proposal cannot be %(action)s")
            % {"status": locked.get_status_display(), "action": action}
        )
    return locked


@transaction.atomic
def prepare_renewal(
    *,
    contract: Contract,
    end_date: date,
    fee_amount: Any,
    actor: Any,
    note: str = "",
    plan: ServicePlan | None = None,
    included_hours: Any = None,
) -> RenewalProposal:
    """A proposal of a new term from the day after the current end until ``end_date`` at
    ``fee_amount`` (staff), optionally on another service plan (tier) and with other
    included hours per fee period (None: unchanged). 409 for an automatically renewing
    contract or one that is not active or in grace; 422 for an end date not after the current
    end, an inactive plan, bad hours, or a new fee or hours on a term not starting on the 1st."""
    if not getattr(actor, "is_staff", False):
        raise PermissionDenied(_("only provider staff prepare renewals"))
    contract = Contract.objects.select_related("customer").get(pk=contract.pk)
    moment = current_time()
    if contract.renewal == Renewal.AUTOMATIC:
        raise TransitionError(
            _("contract %(contract)s renews automatically") % {"contract": contract.number}
        )
    status = contract.status_on(local_date(moment, contract.customer.timezone))
    if status not in (ContractStatus.ACTIVE, ContractStatus.GRACE):
        raise TransitionError(
            _("contract %(contract)s is %(label)s; only active or in-grace contracts are renewed")
            % {"contract": contract.number, "label": ContractStatus(status).label}
        )
    amount = parse_amount(fee_amount, contract.fee_currency, field="fee_amount")
    hours = _included_hours(included_hours)
    start = contract.end_date + timedelta(days=1)
    before = _terms_before(contract, start)
    if start.day != 1:
        for field, changed in (
            ("fee_amount", amount != before.amount),
            ("included_hours", hours is not None and hours != before.included_hours),
        ):
            if changed:
                raise DomainValidationError(
                    {
                        field: [
                            _(
                                "a new fee or new included hours start on the first day of a"
                                " month; this term starts on %(day)s"
                            )
                            % {"day": start.isoformat()}
                        ]
                    }
                )
    if plan is not None and not plan.is_active:
        raise DomainValidationError({"plan": [_("the service plan is not active")]})
    if end_date < start or (end_date - start).days > MAX_TERM_DAYS:
        raise DomainValidationError(
            {
                "end_date": [
                    _("must be after the current end, %(end_date)s, and within ten years")
                    % {"end_date": contract.end_date.isoformat()}
                ]
            }
        )
    return RenewalProposal.objects.create(
        contract=contract,
        start_date=start,
        end_date=end_date,
        fee_amount=amount,
        plan=plan,
        included_hours=hours,
        note=note.strip()[:NOTE_MAX],
        summary=closing_summary(contract, now=moment),
        prepared_by=actor,
        prepared_at=moment,
    )


@transaction.atomic
def send_renewal(*, proposal: RenewalProposal, actor: Any) -> RenewalProposal:
    """Internal approval (a service manager or billing): the proposal goes to the customer,
    whose contractual contacts are told by e-mail, each in their own language."""
    require_manager(actor, _("send renewal proposals"))
    proposal = _locked(proposal, "send")
    moment = current_time()
    proposal.status = RenewalStatus.SENT
    proposal.sent_by = actor
    proposal.sent_at = moment
    proposal.save(update_fields=["status", "sent_by", "sent_at"])
    _tell_sent(proposal, moment)
    return proposal


def _message(proposal: RenewalProposal) -> Message:
    contract = proposal.contract
    values = {
        "contract": contract.number,
        "start": proposal.start_date.isoformat(),
        "end": proposal.end_date.isoformat(),
        "fee": proposal.fee_amount,
        "currency": contract.fee_currency,
    }
    return Message(
        event="renewal.proposed",
        subject=_("Contract %(contract)s: a renewal proposal awaits your answer") % values,
        body=_(
            "We propose to renew contract %(contract)s from %(start)s to %(end)s, fee "
            "%(fee)s %(currency)s. Accept or decline it in the customer portal."
        )
        % values,
        payload={"contract": contract.number, "renewal": proposal.pk},
        contract_id=contract.pk,
    )


def _tell_sent(proposal: RenewalProposal, moment: datetime) -> None:
    contract = proposal.contract
    key = f"renewal:{proposal.pk}"
    manager = contract.service_manager
    if manager is not None:
        with translation.override(language_for(manager)):
            notify_user(key=key, user=manager, message=_message(proposal), now=moment)
    not_before = customer_not_before(contract=contract, now=moment)
    contacts = (
        Contact.objects.filter(customer_id=contract.customer_id, receives_statements=True)
        .exclude(email="")
        .select_related("user")
        .order_by("pk")
    )
    for contact in contacts:
        language = language_for(contact)
        with translation.override(language):
            message = _message(proposal)
        notify_email(
            key=f"{key}:contact:{contact.pk}",
            address=contact.email,
            message=message,
            audience=Audience.CUSTOMER,
            not_before=not_before,
            now=moment,
            language=language,
        )


def _customer_answer(proposal: RenewalProposal, actor: Any, action: str) -> RenewalProposal:
    contact = contact_for(actor)
    if contact is None or contact.customer_id != proposal.contract.customer_id:
        raise PermissionDenied(_("only the customer's contacts answer a renewal proposal"))
    return _locked(proposal, action)


@transaction.atomic
def accept_renewal(*, proposal: RenewalProposal, actor: Any, note: str = "") -> RenewalProposal:
    """The customer accepts: the new term through ``renew_contract`` (renewed by the manager
    who sent the proposal), then the tickets opened in grace are covered. The proposal row is
    locked first, so a second or concurrent accept finds it accepted (409); a contract whose
    end moved since the proposal was prepared is a 409 too (no term on top of another)."""
    proposal = _customer_answer(proposal, actor, "accept")
    contract = Contract.objects.select_for_update().get(pk=proposal.contract_id)
    if contract.end_date + timedelta(days=1) != proposal.start_date:
        raise TransitionError(
            _("contract %(contract)s was renewed since this proposal was prepared")
            % {"contract": contract.number}
        )
    renewer = proposal.sent_by or proposal.prepared_by
    contact = contact_for(actor)
    grace_from = local_midnight(proposal.start_date, contract.customer.timezone)
    before = _terms_before(contract, proposal.start_date)
    new_fee = proposal.fee_amount != before.amount
    new_hours = (
        proposal.included_hours is not None and proposal.included_hours != before.included_hours
    )
    fee_facts = {
        "fee": str(proposal.fee_amount),
        "currency": contract.fee_currency,
        "start": proposal.start_date.isoformat(),
    }
    # Stored as a note beside its English text: shown in each reader's language.
    reason = system_notes.renewal_accepted(
        proposal=proposal.pk,
        contact=contact.name if contact else actor.get_username(),
        start=proposal.start_date.isoformat(),
        end=proposal.end_date.isoformat(),
        new_fee=fee_facts if new_fee else None,
        new_plan=proposal.plan.name if proposal.plan is not None else "",
        new_hours=str(proposal.included_hours) if new_hours else "",
    )
    # The contract's own fee stays the initial terms (docs/commercial.md): a new fee is an
    # accepted fee change from the new term's first day, so the closing term keeps its fee.
    version = renew_contract(
        contract=contract,
        end_date=proposal.end_date,
        actor=renewer,
        reason=reason.english(),
        reason_note=reason.as_data(),
    )
    if proposal.plan is not None:
        _apply_plan(version, proposal.plan)
    reinstate_grace_tickets(contract=contract, since=grace_from, reason=reason)
    moment = current_time()
    note = note.strip()[:NOTE_MAX]
    if new_fee or new_hours:
        _fee_change(proposal, contract, version=version, actor=actor, moment=moment, note=note)
    proposal.status = RenewalStatus.ACCEPTED
    proposal.answered_by = actor
    proposal.answered_at = moment
    proposal.answer_note = note
    proposal.version = version
    proposal.save(update_fields=["status", "answered_by", "answered_at", "answer_note", "version"])
    return proposal


def _fee_before(contract: Contract, start: date) -> Decimal:
    """The fee in force on the new term's first day if nothing changed."""
    return _terms_before(contract, start).amount


def _terms_before(contract: Contract, start: date) -> FeeTerms:
    """The fee and included hours in force on the new term's first day if nothing changed."""
    return fee_in_force(contract, Period(start.year, start.month))


HOURS_MAX = Decimal("999999.99")  # RenewalProposal.included_hours: 8 digits, 2 places


def _included_hours(value: Any) -> Decimal | None:
    """Included hours per fee period as given (None or "": unchanged); 422 on the field."""
    if value is None or value == "":
        return None
    try:
        hours = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        hours = Decimal("NaN")
    if not hours.is_finite() or not 0 <= hours <= HOURS_MAX or hours != hours.quantize(CENT):
        raise DomainValidationError(
            {"included_hours": [_("hours from 0 to %(max)s, to 0.01 h") % {"max": HOURS_MAX}]}
        )
    return hours.quantize(CENT)


def _apply_plan(version: Any, plan: ServicePlan) -> None:
    """The new term's version carries the new plan's SLA targets (its own calendar where a
    target names none): tickets under the new term are measured by the new tier, those of
    the closing term keep theirs."""
    version.targets.all().delete()
    for target in plan.targets.select_related("calendar").order_by("priority", "metric"):
        set_target(
            version=version,
            priority=target.priority,
            metric=target.metric,
            target_minutes=target.target_minutes,
            calendar=target.calendar or plan.calendar,
            measure_in_site_timezone=target.measure_in_site_timezone,
        )


def _fee_change(
    proposal: RenewalProposal,
    contract: Contract,
    *,
    version: Any,
    actor: Any,
    moment: datetime,
    note: str,
) -> FeeChange:
    """The renewal's fee and included hours as an accepted fee change from the new term
    (``billing.fees``); hours not given stay those in force."""
    hours = fee_in_force(contract, Period(proposal.start_date.year, proposal.start_date.month))
    renewal_note = system_notes.renewal_fee_change(proposal=proposal.pk)
    return FeeChange.objects.create(
        contract=contract,
        fee_amount=proposal.fee_amount,
        included_hours=(
            hours.included_hours if proposal.included_hours is None else proposal.included_hours
        ),
        effective_from=proposal.start_date,
        reason=renewal_note.english()[:300],
        reason_note=renewal_note.as_data(),
        status=FeeChangeStatus.ACCEPTED,
        proposed_by=proposal.prepared_by,
        proposed_at=proposal.prepared_at,
        approved_by=proposal.sent_by,
        approved_at=proposal.sent_at,
        answered_by=actor,
        answered_at=moment,
        answer_note=note,
        version=version,
    )


@transaction.atomic
def decline_renewal(*, proposal: RenewalProposal, actor: Any, note: str = "") -> RenewalProposal:
    """The customer declines (with a note); the contract is left as it is."""
    proposal = _customer_answer(proposal, actor, "decline")
    proposal.status = RenewalStatus.DECLINED
    proposal.answered_by = actor
    proposal.answered_at = current_time()
    proposal.answer_note = note.strip()[:NOTE_MAX]
    proposal.save(update_fields=["status", "answered_by", "answered_at", "answer_note"])
    return proposal


@transaction.atomic
def withdraw_renewal(*, proposal: RenewalProposal, actor: Any) -> RenewalProposal:
    if not getattr(actor, "is_staff", False):
        raise PermissionDenied(_("only provider staff withdraw renewal proposals"))
    proposal = _locked(proposal, "withdraw")
    proposal.status = RenewalStatus.WITHDRAWN
    proposal.save(update_fields=["status"])
    return proposal
