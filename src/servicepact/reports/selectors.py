"""Reads of the reports app, scoped by tenancy."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from servicepact.billing.models import PeriodCredit
from servicepact.billing.periods import Period
from servicepact.contracts.models import Contract
from servicepact.core.time import now as current_time
from servicepact.customers.selectors import scope_to_customer
from servicepact.reports.formats import page_view
from servicepact.reports.live_cache import per_minute
from servicepact.reports.models import AuditExport, Statement
from servicepact.reports.statement import build_statement, credit_decision


def default_period(contract: Contract, now: datetime | None = None) -> Period:
    """The last closed month in the customer's time zone."""
    return Period.containing(now or current_time(), contract.customer.timezone).shift(-1)


def statement_for(
    contract: Contract, period: Period, *, now: datetime | None = None
) -> dict[str, Any]:
    """A closed month's frozen statement (with the credits' current status), else live figures
    (as of ``now``; without it, as of the current minute's first request: ``per_minute``)."""
    stored = Statement.objects.filter(contract=contract, period=str(period)).first()
    if stored is None:
        if now is not None:  # figures as of a given instant (the audit export): computed
            return build_statement(contract, period, now=now)
        # A page or download as of now: reused within the minute (reports.live_cache).
        return _live(contract, period, current_time())
    return _frozen(stored, contract, period)


def statement_page(
    contract: Contract, period: Period, *, breaches_page: int | None = None
) -> dict[str, Any]:
    """What the statement's HTML page renders (``formats.page_view``): the snapshot of
    ``statement_for`` with only the breaches and credit rows the page shows. A live month's
    is reused within the minute as that page-sized value, so a request does not read back
    every breach of the month (issue 12). ``formats.NoSuchBreachPage`` for a breaches page
    the month does not have."""
    stored = Statement.objects.filter(contract=contract, period=str(period)).first()
    if stored is not None:
        return page_view(_frozen(stored, contract, period), breaches_page=breaches_page)
    moment = current_time()
    return per_minute(
        "statement_page",
        (contract.pk, period, breaches_page),
        moment,
        lambda: page_view(_live(contract, period, moment), breaches_page=breaches_page),
    )


def _live(contract: Contract, period: Period, moment: datetime) -> dict[str, Any]:
    """The statement as of ``moment``, computed once per minute and state of the tickets."""
    return per_minute(
        "statement",
        (contract.pk, period),
        moment,
        lambda: build_statement(contract, period, now=moment),
    )


def _frozen(stored: Statement, contract: Contract, period: Period) -> dict[str, Any]:
    snapshot = dict(stored.snapshot)
    credit = PeriodCredit.objects.filter(contract=contract, period=str(period)).first()
    if credit is not None:
        # Approval, adjustment and application happen after the close: show where they are.
        snapshot["credits"] = {**snapshot["credits"], **credit_decision(credit)}
    return snapshot


def audit_exports_for(user: Any) -> QuerySet[AuditExport]:
    """The audit exports a user may see: staff all, a contact its own customer's."""
    return scope_to_customer(
        AuditExport.objects.select_related("contract__customer", "requested_by"),
        user,
        field="contract__customer",
    )


def get_audit_export(user: Any, export_id: int) -> AuditExport:
    """One audit export, or a 404 when it does not exist or belongs to another customer."""
    job = audit_exports_for(user).filter(pk=export_id).first()
    if job is None:
        raise Http404("No such audit export")
    return job
