"""Contract lifecycle jobs, run by the worker on every pass; each is idempotent.

``run_lifecycle(now=...)``, per contract in its own transaction (the contract row locked with
``skip_locked`` so that several workers share the work):

1. Automatic renewal: a contract that renews automatically and whose term ended gets a new
   term of the same length and the same terms (event ``renewed``); it never enters grace.
2. Status transitions: the stored status follows the dates (draft -> active -> grace ->
   expired, terminated); each change is an event, and the service manager and the customer
   contacts are told (in grace: the contract has lapsed).
3. Renewal reminders before the term ends, at the contract's notice period and at 90, 60,
   30 and 7 days: the latest milestone reached is sent once per term end.

The data export notice before a contract lapses unrenewed is the contract end's
(``contractend.services.open_due_plans``, event ``export_reminder``): one message, not two.

Dates are the customer's local dates. Customer-facing messages wait for the contract's
calendar to open (``customer_not_before``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db import connection, transaction
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from servicepact.contracts.calendars import compiled_calendar
from servicepact.contracts.choices import ContractStatus, Renewal
from servicepact.contracts.escalation import ContractEvent, ContractEventKind
from servicepact.contracts.models import Calendar, Contract, SlaTarget
from servicepact.contracts.renewal import Term, next_term_end, term_between
from servicepact.contracts.services import record_renewal, refresh_contract_status
from servicepact.core.config import option
from servicepact.core.time import local_date, local_midnight
from servicepact.customers.models import Contact
from servicepact.notifications.choices import Audience
from servicepact.notifications.services import Message, notify_email, notify_user, notify_webhooks
from servicepact.slaclock import SpanError

logger = logging.getLogger(__name__)

DEFAULT_REMINDER_DAYS = (90, 60, 30, 7)
_LIVE = (ContractStatus.DRAFT, ContractStatus.ACTIVE, ContractStatus.GRACE)


# ---------------------------------------------------------------- customer hours


def is_always_open(calendar: Calendar) -> bool:
    """24x7 with no holiday or override that could close a day."""
    weekly = [h.weekly for h in calendar.hours.all()]
    return (
        bool(weekly)
        and all(w == "24x7" for w in weekly)
        and not calendar.holidays.exists()
        and not calendar.overrides.exists()
    )


def customer_zone(contract: Contract, site_zone: str | None = None) -> str:
    """The zone the plan's hours are read in: the site's when its targets say so."""
    plan = contract.plan
    in_site_zone = SlaTarget.objects.filter(
        plan=plan, calendar_id=plan.calendar_id, measure_in_site_timezone=True
    ).exists()
    if in_site_zone:
        return site_zone or contract.customer.timezone
    return plan.calendar.timezone


def customer_not_before(
    *, contract: Contract, now: datetime, priority: int | None = None, site_zone: str | None = None
) -> datetime | None:
    """When a customer-facing message may go out: None for at once, else the next opening.

    The contract's calendar is its plan's coverage calendar. No 3 a.m. reminder to a
    business-hours customer; a 24x7 contract's P1 always goes out at once.
    """
    calendar = contract.plan.calendar
    if priority == 1 and is_always_open(calendar):
        return None
    zone = customer_zone(contract, site_zone)
    day = local_date(now, zone)
    try:
        opens = compiled_calendar(calendar, timezone=zone, first=day, last=day).next_open(now)
    except SpanError:
        # A calendar that never opens again must not swallow the message.
        return None
    return opens if opens > now else None


def customer_addresses(contract: Contract) -> list[tuple[int, str]]:
    """The customer's contractual contacts: those who receive statements and have an e-mail."""
    return contact_addresses(contract.customer_id)


def contact_addresses(customer_id: int) -> list[tuple[int, str]]:
    """(contact id, e-mail) of a customer's contacts who receive statements (its contractual
    contacts: renewal and warranty expiry reminders go to them)."""
    contacts = Contact.objects.filter(customer_id=customer_id, receives_statements=True)
    return list(contacts.exclude(email="").order_by("pk").values_list("pk", "email"))


def tell(contract: Contract, *, key: str, message: Message, now: datetime, customer: bool) -> None:
    """The service manager (in-app and e-mail), webhooks and, if ``customer``, the contacts."""
    notify_user(key=key, user=contract.service_manager, message=message, now=now)
    not_before = customer_not_before(contract=contract, now=now) if customer else None
    if customer:
        for contact_id, address in customer_addresses(contract):
            notify_email(
                key=f"{key}:contact:{contact_id}",
                address=address,
                message=message,
                audience=Audience.CUSTOMER,
                not_before=not_before,
                now=now,
            )
    notify_webhooks(key=key, message=message, now=now)
    if customer:
        notify_webhooks(
            key=key,
            message=message,
            customer_id=contract.customer_id,
            not_before=not_before,
            now=now,
        )


# ---------------------------------------------------------------- terms


def term_of(contract: Contract) -> Term:
    """The length of one term: the last renewal's, else the first term (start to end)."""
    last = contract.events.filter(kind=ContractEventKind.RENEWED).order_by("-at", "-id").first()
    if last is not None:
        return Term(**last.data["term"])
    return term_between(contract.start_date, contract.end_date)


# ---------------------------------------------------------------- jobs


@dataclass
class LifecycleReport:
    renewed: int = 0
    transitions: int = 0
    reminders: int = 0

    @property
    def total(self) -> int:
        return self.renewed + self.transitions + self.reminders


def _lock(pk: int) -> Contract | None:
    rows = Contract.objects.select_related("customer", "plan", "plan__calendar", "service_manager")
    if connection.features.has_select_for_update_skip_locked:
        rows = rows.select_for_update(skip_locked=True, of=("self",))
    return rows.filter(pk=pk).first()


def _event(contract: Contract, kind: str, at: datetime, data: dict[str, Any]) -> ContractEvent:
    return ContractEvent.objects.create(contract=contract, kind=kind, at=at, data=data)


def _contract_payload(contract: Contract, **extra: Any) -> dict[str, Any]:
    return {
        "contract": {
            "id": contract.pk,
            "number": contract.number,
            "customer": contract.customer.name,
            "start_date": contract.start_date.isoformat(),
            "end_date": contract.end_date.isoformat(),
            "status": contract.status,
        },
        **extra,
    }


def renew(contract: Contract, today: date, now: datetime) -> int:
    """Step 1: as many new terms as needed to cover ``today``; returns how many."""
    if contract.renewal != Renewal.AUTOMATIC or contract.terminated_on is not None:
        return 0
    count = 0
    while contract.end_date < today:
        term = term_of(contract)
        before = contract.end_date
        record_renewal(
            contract=contract, end_date=next_term_end(before, term), term=term, today=today
        )
        message = Message(
            event="contract.renewed",
            contract_id=contract.pk,
            subject=_("Contract %(number)s renewed until %(end)s")
            % {"number": contract.number, "end": contract.end_date.isoformat()},
            body=_(
                "Contract %(number)s renewed automatically: the new term runs from %(start)s to %(end)s "
                "on the same terms."
            )
            % {
                "number": contract.number,
                "start": (before + timedelta(days=1)).isoformat(),
                "end": contract.end_date.isoformat(),
            },
            payload=_contract_payload(contract, previous_end=before.isoformat()),
        )
        tell(
            contract,
            key=f"renewed:{contract.pk}:{contract.end_date.isoformat()}",
            message=message,
            now=now,
            customer=True,
        )
        count += 1
    return count


def status_since(contract: Contract, status: str) -> date:
    """The local date a status began (event instants are when it happened, not when we noticed)."""
    if status == ContractStatus.GRACE:
        return contract.end_date + timedelta(days=1)
    if status == ContractStatus.EXPIRED:
        return contract.end_date + timedelta(days=contract.grace_days + 1)
    if status == ContractStatus.TERMINATED and contract.terminated_on:
        return contract.terminated_on
    return contract.start_date


_STATUS_TEXT: dict[str, str] = {
    ContractStatus.ACTIVE: gettext_noop(
        "Contract %(number)s is active: the term runs from %(start)s to %(end)s."
    ),
    ContractStatus.GRACE: gettext_noop(
        "Contract %(number)s has lapsed: it expired on %(end)s. Service continues under its terms in a grace "
        "period until %(grace_end)s; tickets opened now are flagged."
    ),
    ContractStatus.EXPIRED: gettext_noop(
        "Contract %(number)s has expired (grace period ended %(grace_end)s). New tickets are out of contract."
    ),
    ContractStatus.TERMINATED: gettext_noop(
        "Contract %(number)s was terminated on %(terminated)s."
    ),
}


def transition(contract: Contract, today: date, now: datetime) -> bool:
    """Step 2: store the status the dates give; an event and messages when it changed."""
    before, after = refresh_contract_status(contract=contract, day=today)
    if before == after:
        return False
    since = status_since(contract, after)
    _event(
        contract,
        ContractEventKind.STATUS_CHANGED,
        local_midnight(since, contract.customer.timezone),
        {"status": [before, after], "since": since.isoformat()},
    )
    values = {
        "number": contract.number,
        "start": contract.start_date.isoformat(),
        "end": contract.end_date.isoformat(),
        "grace_end": (contract.end_date + timedelta(days=contract.grace_days)).isoformat(),
        "terminated": contract.terminated_on.isoformat() if contract.terminated_on else "",
    }
    message = Message(
        event=f"contract.{after}",
        contract_id=contract.pk,
        subject=_("Contract %(number)s: %(status)s")
        % {"number": contract.number, "status": ContractStatus(after).label},
        body=_(_STATUS_TEXT.get(after, "Contract %(number)s changed status.")) % values,
        payload=_contract_payload(contract, previous_status=before, since=since.isoformat()),
    )
    tell(
        contract,
        key=f"status:{contract.pk}:{after}:{since.isoformat()}",
        message=message,
        now=now,
        customer=after in (ContractStatus.GRACE, ContractStatus.EXPIRED),
    )
    return True


def reminder_days(contract: Contract) -> list[int]:
    days = set(option("RENEWAL_REMINDER_DAYS", DEFAULT_REMINDER_DAYS)) | {contract.notice_days}
    return sorted(d for d in days if d > 0)


def _reminded(contract: Contract, kind: str, days: int) -> bool:
    return contract.events.filter(
        kind=kind, data__end_date=contract.end_date.isoformat(), data__days=days
    ).exists()


def remind_renewal(contract: Contract, today: date, now: datetime) -> bool:
    """Step 3: the latest milestone reached (days before the end), once per term end."""
    left = (contract.end_date - today).days
    due = [d for d in reminder_days(contract) if d >= left]
    if contract.status != ContractStatus.ACTIVE or left < 0 or not due:
        return False
    days = due[0]
    if _reminded(contract, ContractEventKind.RENEWAL_REMINDER, days):
        return False
    automatic = contract.renewal == Renewal.AUTOMATIC
    _event(
        contract,
        ContractEventKind.RENEWAL_REMINDER,
        now,
        {"end_date": contract.end_date.isoformat(), "days": days, "days_left": left},
    )
    values = {
        "number": contract.number,
        "end": contract.end_date.isoformat(),
        "left": left,
        "notice": contract.notice_days,
    }
    body = (
        _(
            "Contract %(number)s renews automatically after %(end)s (in %(left)d days). The notice period "
            "is %(notice)d days."
        )
        if automatic
        else _(
            "Contract %(number)s ends on %(end)s (in %(left)d days) and does not renew by itself. The notice "
            "period is %(notice)d days; please arrange the renewal."
        )
    ) % values
    message = Message(
        event="contract.renewal_reminder",
        contract_id=contract.pk,
        subject=_("Contract %(number)s ends on %(end)s") % values,
        body=body,
        payload=_contract_payload(
            contract, days_before=days, days_left=left, automatic_renewal=automatic
        ),
    )
    tell(
        contract,
        key=f"renewal:{contract.pk}:{contract.end_date.isoformat()}:{days}",
        message=message,
        now=now,
        customer=True,
    )
    return True


def candidates(now: datetime) -> list[int]:
    """Live contracts whose dates may ask for something: ended, or ending within the reminders.

    The window is one day wider on each side than the largest offset, for time zones.
    """
    horizon = max(option("RENEWAL_REMINDER_DAYS", DEFAULT_REMINDER_DAYS)) + 1
    utc_today = now.date()
    due = (
        Q(end_date__lte=utc_today + timedelta(days=horizon))
        | Q(status=ContractStatus.DRAFT, start_date__lte=utc_today + timedelta(days=1))
        | Q(terminated_on__lte=utc_today + timedelta(days=1))
        # A notice period longer than the horizon: such contracts are few, checked each pass.
        | Q(notice_days__gt=horizon)
    )
    rows = Contract.objects.filter(due, status__in=_LIVE, activated_at__isnull=False)
    return list(rows.order_by("pk").values_list("pk", flat=True))


def process_contract(pk: int, now: datetime, report: LifecycleReport) -> None:
    with transaction.atomic():
        contract = _lock(pk)
        if contract is None or contract.status not in _LIVE:
            return
        today = local_date(now, contract.customer.timezone)
        report.renewed += renew(contract, today, now)
        report.transitions += transition(contract, today, now)
        report.reminders += remind_renewal(contract, today, now)


def run_lifecycle(*, now: datetime) -> LifecycleReport:
    report = LifecycleReport()
    for pk in candidates(now):
        try:
            process_contract(pk, now, report)
        except Exception:
            # One broken contract must not stop the others; it is retried on the next pass.
            logger.exception("lifecycle job failed for contract %s", pk)
    return report
