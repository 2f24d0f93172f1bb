"""Writes of the reports app: closing a month (statement snapshot + e-mail to the customer)."""

from __future__ import annotations

import contextlib
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Sum
from django.utils import translation
from django.utils.translation import gettext as _

from servicepact.billing.charges import close_charges
from servicepact.billing.choices import CreditStatus
from servicepact.billing.periods import Period
from servicepact.billing.services import compute_period_credits
from servicepact.contracts.models import Contract
from servicepact.core.errors import TransitionError
from servicepact.core.time import now as current_time
from servicepact.customers.models import Contact
from servicepact.notifications import language_for
from servicepact.notifications.choices import Audience
from servicepact.notifications.services import Message, notify_email
from servicepact.reports.choices import StatementStatus
from servicepact.reports.daily import day_bounds, decided_tally
from servicepact.reports.models import AggregatedDay, DailyAggregate, MonthToDate, Statement
from servicepact.reports.statement import build_statement


def close_period(
    contract: Contract, period: str | Period, *, now: datetime | None = None
) -> Statement:
    """Closes a contract's month: computes its credits, freezes the statement, e-mails it.

    Idempotent: a month that already has a statement returns it and sends nothing again.
    Steps:
    1. refuse a month that has not ended yet (409);
    2. compute the period credits, unless a manager already decided them or the claim
       window has closed (then they stay as they are);
    3. build the statement snapshot and store it (one row per contract and month; a
       concurrent run finds the row and stops);
    4. queue one e-mail per contact who receives statements, through the notifications
       outbox in the same transaction (idempotency key per statement and address);
    5. produce the month's draft charges (``billing.charges.close_charges``).
    """
    month = period if isinstance(period, Period) else Period.parse(period)
    existing = Statement.objects.filter(contract=contract, period=str(month)).first()
    if existing is not None:
        return existing
    moment = now or current_time()
    _start, end = month.bounds(contract.customer.timezone)
    if end > moment:
        raise TransitionError(
            _("%(month)s has not ended yet for %(contract)s")
            % {"month": month, "contract": contract.number}
        )
    # Already decided by a manager, or claims closed: the credits then stand as they are.
    with contextlib.suppress(TransitionError):
        compute_period_credits(contract=contract, period=month, now=moment)
    snapshot = build_statement(contract, month, now=moment)
    with transaction.atomic():
        statement, created = Statement.objects.get_or_create(
            contract=contract,
            period=str(month),
            defaults={"snapshot": snapshot, "generated_at": moment},
        )
        if created:
            _send(statement, contract, snapshot, moment)
    # 5. the month's draft charges next to the statement (idempotent; credits are computed).
    close_charges([contract], month, now=moment)
    return statement


def statement_url(contract: Contract, period: str) -> str:
    site = settings.SERVICEPACT["SITE_URL"].rstrip("/")
    return f"{site}/reports/portal/contracts/{contract.pk}/statement/?period={period}"


def _message(statement: Statement, contract: Contract, snapshot: dict[str, Any]) -> Message:
    """The statement e-mail, in the active language (``_send`` builds it per recipient)."""
    overall = snapshot["compliance"]["overall"]
    credits = snapshot["credits"]
    url = statement_url(contract, statement.period)
    status = credits["status"]
    with contextlib.suppress(ValueError):
        status = str(CreditStatus(status).label)
    facts = {
        "contract": contract.number,
        "period": statement.period,
        "percent": overall["percent"] or "-",
        "met": overall["met"],
        "total": overall["total"],
        "breaches": len(snapshot["breaches"]),
        "amount": credits["amount_due"],
        "currency": credits["currency"],
        "status": status,
        "used": snapshot["hours"]["used"],
        "included": snapshot["hours"]["included"],
        "url": url,
    }
    body = "\n".join(
        [
            _("Your SLA statement for contract %(contract)s, %(period)s:") % facts,
            "",
            "  " + _("SLA compliance: %(percent)s %% (%(met)s of %(total)s clocks met)") % facts,
            "  " + _("Breaches: %(breaches)s") % facts,
            "  " + _("Service credits: %(amount)s %(currency)s (%(status)s)") % facts,
            "  " + _("Hours used / included: %(used)s / %(included)s") % facts,
            "",
            _("Statement (HTML, PDF, CSV, JSON): %(url)s") % facts,
            _("The audit export on the same page lets you recompute every clock yourself."),
        ]
    )
    return Message(
        event="statement.ready",
        subject=_("SLA statement %(contract)s %(period)s") % facts,
        body=body,
        payload={"contract": contract.number, "period": statement.period, "url": url},
        contract_id=contract.pk,
    )


def _send(
    statement: Statement, contract: Contract, snapshot: dict[str, Any], moment: datetime
) -> None:
    """One e-mail per contact who receives statements, each in the contact's language."""
    contacts = (
        Contact.objects.filter(customer_id=contract.customer_id, receives_statements=True)
        .exclude(email="")
        .select_related("user")
    )
    recipients = []
    for contact in contacts.order_by("pk"):
        language = language_for(contact)
        with translation.override(language):
            message = _message(statement, contract, snapshot)
        notify_email(
            key=f"statement:{statement.pk}",
            address=contact.email,
            message=message,
            audience=Audience.CUSTOMER,
            now=moment,
            language=language,
        )
        recipients.append(contact.email)
    statement.recipients = recipients
    statement.status = StatementStatus.SENT if recipients else StatementStatus.NO_RECIPIENTS
    statement.sent_at = moment if recipients else None
    statement.save(update_fields=["recipients", "status", "sent_at"])


def aggregate_day(*, day: date, now: datetime | None = None) -> int:
    """Freezes a closed day's decided clocks (provider time zone) as DailyAggregate rows;
    returns how many rows. Idempotent: recomputing a day replaces its rows."""
    moment = now or current_time()
    start, end = day_bounds(day, settings.TIME_ZONE)
    if end > moment:
        raise TransitionError(_("The day %(day)s is not over yet.") % {"day": day})
    tally = decided_tally(start, end)
    with transaction.atomic():
        DailyAggregate.objects.filter(day=day).delete()
        DailyAggregate.objects.bulk_create(
            DailyAggregate(day=day, contract_id=c, metric=m, priority=p, decided=d, breached=b)
            for c, m, p, d, b in tally.rows()
        )
        AggregatedDay.objects.update_or_create(day=day, defaults={"computed_at": moment})
        store_month_to_date(day)
    return len(tally)


def store_month_to_date(day: date) -> int:
    """After ``day`` is (re)frozen: the month-to-date sums of every day of its month from
    ``day`` on that has every day up to it frozen, stored again (normally ``day`` alone; a
    day frozen again changes the later sums too). A later day with a gap before it loses
    its sums; the dashboard then adds up the days. Returns how many days got sums."""
    first = day.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    later = MonthToDate.objects.filter(day__gte=day, day__lt=following)
    later.delete()
    AggregatedDay.objects.filter(day__gte=day, day__lt=following).update(month_to_date=False)
    frozen = set(
        AggregatedDay.objects.filter(day__gte=first, day__lt=following).values_list(
            "day", flat=True
        )
    )
    stored = 0
    current = first
    while current < following and current in frozen:
        if current >= day:
            rows = (
                DailyAggregate.objects.filter(day__gte=first, day__lte=current)
                .order_by()
                .values("contract_id", "metric", "priority")
                .annotate(d=Sum("decided"), b=Sum("breached"))
                .values_list("contract_id", "metric", "priority", "d", "b")
            )
            MonthToDate.objects.bulk_create(
                MonthToDate(day=current, contract_id=c, metric=m, priority=p, decided=d,
                            breached=b)
                for c, m, p, d, b in rows
            )  # fmt: skip
            AggregatedDay.objects.filter(day=current).update(month_to_date=True)
            stored += 1
        current += timedelta(days=1)
    return stored
