"""Closing a month: statement snapshot, credits, e-mail through the outbox, due work."""

from __future__ import annotations

import pytest

from servicepact.billing.models import PeriodCredit
from servicepact.billing.periods import Period
from servicepact.billing.services import adjust_credits, approve_credits, compute_period_credits
from servicepact.billing.testing import june_month, ny
from servicepact.core.errors import TransitionError
from servicepact.customers.models import Contact
from servicepact.notifications.models import Notification
from servicepact.reports.jobs import close_due_statements, due_statements
from servicepact.reports.models import Statement
from servicepact.reports.selectors import statement_for
from servicepact.reports.services import close_period

pytestmark = pytest.mark.django_db


@pytest.fixture
def june(clock):
    june = june_month(clock)
    Contact.objects.filter(pk=june.world.contact.pk).update(email="it@acme.example")
    Contact.objects.create(customer=june.world.customer, name="CFO", email="cfo@acme.example")
    Contact.objects.create(
        customer=june.world.customer, name="Nobody", email="no@acme.example",
        receives_statements=False,
    )  # fmt: skip
    return june


def test_close_period_freezes_the_statement_and_mails_the_contacts(june, clock):
    """On 1 Jul 12:00 June closes: credits computed (135.00), a statement with the snapshot,
    one outbox e-mail to each contact who receives statements (2 of 3). Running it again
    returns the same statement and queues nothing."""
    statement = close_period(june.contract, "2025-06")
    assert (statement.status, statement.period, statement.recipients) == (
        "sent",
        "2025-06",
        ["it@acme.example", "cfo@acme.example"],
    )
    assert statement.snapshot["compliance"]["overall"]["percent"] == "72.22"
    assert statement.snapshot["credits"]["preview"] is False
    credit = PeriodCredit.objects.get(contract=june.contract, period="2025-06")
    assert (credit.status, credit.computed_amount) == ("computed", 135)
    mails = Notification.objects.filter(channel="email").order_by("recipient")
    assert [(m.recipient, m.audience, m.subject) for m in mails] == [
        ("cfo@acme.example", "customer", "SLA statement ACME-1 2025-06"),
        ("it@acme.example", "customer", "SLA statement ACME-1 2025-06"),
    ]
    assert "SLA compliance: 72.22 % (13 of 18 clocks met)" in mails[0].body
    assert "/reports/portal/contracts/" in mails[0].body
    clock.at(ny(2025, 7, 2, 9))
    again = close_period(june.contract, "2025-06")
    assert again.pk == statement.pk
    assert Statement.objects.count() == 1 and Notification.objects.count() == 2


def test_a_month_that_has_not_ended_cannot_be_closed(june):
    """On 1 Jul July is still running: 409, no statement."""
    with pytest.raises(TransitionError):
        close_period(june.contract, "2025-07")
    assert not Statement.objects.exists()


def test_approved_credits_are_kept_and_shown_live(june, clock):
    """Credits approved before the close stay approved; after the close, the frozen
    statement shows the credits' current status."""
    credit = compute_period_credits(contract=june.contract, period="2025-06")
    approve_credits(credit=credit, actor=june.manager, reason="ok")
    close_period(june.contract, "2025-06")
    assert PeriodCredit.objects.get(pk=credit.pk).status == "approved"
    adjust_credits(credit=credit, amount="50", actor=june.manager, reason="Goodwill")
    shown = statement_for(june.contract, Period(2025, 6))
    assert (shown["credits"]["status"], shown["credits"]["amount_due"]) == ("adjusted", "50.00")


def test_due_statements_lists_closed_months_without_a_statement(june):
    """On 1 Jul 12:00 NY: June (and, with the 3-month look-back, April and May) are due for
    ACME-1; after closing June only April and May remain."""
    now = ny(2025, 7, 1, 12)
    assert [(c.number, p) for c, p in due_statements(now)] == [
        ("ACME-1", "2025-04"),
        ("ACME-1", "2025-05"),
        ("ACME-1", "2025-06"),
    ]
    close_period(june.contract, "2025-06")
    assert [p for _, p in due_statements(now)] == ["2025-04", "2025-05"]
    assert [p for _, p in due_statements(now, lookback_months=1)] == []
    # 30 Jun 23:59 in New York is already 1 Jul in UTC, but June has not ended there.
    assert [p for _, p in due_statements(ny(2025, 6, 30, 23, 59), lookback_months=1)] == ["2025-05"]


def test_the_workers_step_closes_every_due_month_once(june):
    """close_due_statements on 1 Jul 12:00: April, May and June are closed (3 statements,
    e-mails for each); a second pass finds nothing to do."""
    now = ny(2025, 7, 1, 12)
    assert close_due_statements(now) == 3
    assert sorted(Statement.objects.values_list("period", flat=True)) == [
        "2025-04",
        "2025-05",
        "2025-06",
    ]
    assert Notification.objects.filter(channel="email").count() == 6
    assert close_due_statements(now) == 0


def test_the_trend_takes_a_closed_months_frozen_availability(june, clock):
    """June is closed (its statement frozen). An outage recorded for June afterwards does not
    change July's trend entry for June: closed months are read from their statement, not
    measured again; the current month is measured."""
    from datetime import UTC, datetime

    from servicepact.monitoring.services import record_outage
    from servicepact.reports.statement import build_statement

    june_statement = close_period(june.contract, "2025-06")
    frozen = june_statement.snapshot["availability"].get("percent")
    record_outage(
        asset=june.world.asset,
        started_at=datetime(2025, 6, 20, 1, tzinfo=UTC),
        ended_at=datetime(2025, 6, 20, 9, tzinfo=UTC),
        reason="found later",
    )
    clock.at(ny(2025, 8, 1, 12))
    trend = build_statement(june.contract, "2025-07")["trend"]
    assert trend["months"][-2:] == ["2025-06", "2025-07"]
    assert trend["availability_percent"][-2] == frozen
