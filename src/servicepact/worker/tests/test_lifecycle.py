"""Contract lifecycle jobs: reminders, grace and expiry, automatic renewal, lapsed notices."""

from __future__ import annotations

from datetime import date

import pytest

from servicepact.contractend.models import ContractEndPlan
from servicepact.contracts.escalation import ContractEvent
from servicepact.contracts.lifecycle import term_of
from servicepact.contracts.models import Contract
from servicepact.contracts.renewal import Term, next_term_end
from servicepact.notifications.models import Notification
from servicepact.tickets import services as ts
from servicepact.tickets.choices import Category
from servicepact.worker.passes import run_pass

from .conftest import business_hours, ny, setup_contract, utc

pytestmark = pytest.mark.django_db


def keys(prefix: str) -> list[str]:
    return sorted(
        Notification.objects.filter(idempotency_key__startswith=prefix).values_list(
            "idempotency_key", flat=True
        )
    )


def events(contract: Contract) -> list[tuple[str, dict]]:
    return list(
        ContractEvent.objects.filter(contract=contract)
        .order_by("at", "id")
        .values_list("kind", "data")
    )


def pass_on(clock, instant):
    clock.at(instant)
    return run_pass()


def test_renewal_reminders_at_the_milestones_once_each(clock):
    """Manual contract ending 2025-12-31, notice period 45 days: milestones 90, 60, 45, 30, 7.
    Each goes out once, on the first pass on or after its date (100 days before: nothing), to
    the service manager (in-app, e-mail) and the customer contact; the 30-day pass also opens
    the contract-end checklist, whose notice is the one data export reminder, to the same
    people (the lifecycle sends no second export message)."""
    clock.at(utc(2025, 1, 1))
    s = setup_contract(notice_days=45)
    for day, expected in [
        (date(2025, 9, 22), []),
        (date(2025, 10, 2), [90]),
        (date(2025, 10, 3), []),
        (date(2025, 11, 1), [60]),
        (date(2025, 11, 16), [45]),
        (date(2025, 11, 20), []),
        (date(2025, 12, 1), [30]),
        (date(2025, 12, 24), [7]),
        (date(2025, 12, 31), []),
    ]:
        before = set(keys("renewal:"))
        pass_on(clock, utc(day.year, day.month, day.day, 10))
        new = sorted(set(keys("renewal:")) - before)
        assert new == sorted(
            f"renewal:{s.contract.pk}:2025-12-31:{d}:{suffix}"
            for d in expected
            for suffix in (
                f"user:{s.manager.pk}:in_app",
                f"user:{s.manager.pk}:email",
                f"contact:{s.contact.pk}:it@acme.test:email",
            )
        ), day
    reminders = [d["days"] for k, d in events(s.contract) if k == "renewal_reminder"]
    assert reminders == [90, 60, 45, 30, 7]
    assert keys("export:") == []
    plan = ContractEndPlan.objects.get(contract=s.contract)
    assert keys("contract-end:") == sorted(
        [
            f"contract-end:{plan.pk}:notice:user:{s.manager.pk}:in_app",
            f"contract-end:{plan.pk}:notice:user:{s.manager.pk}:email",
            f"contract-end:{plan.pk}:notice:contact:{s.contact.pk}:it@acme.test:email",
        ]
    )
    notice = Notification.objects.get(
        idempotency_key__startswith="contract-end:", channel="email", audience="customer"
    )
    assert notice.subject == "Contract ACME-1 ends on 2025-12-31: your data checklist"
    exported = [d for k, d in events(s.contract) if k == "export_reminder"]
    assert exported == [{"end_date": "2025-12-31", "days": 30, "days_left": 30}]


def test_a_contract_created_late_gets_only_the_latest_milestone(clock):
    """Created 20 days before its end: the 30-day reminder once (not 90, 60 and 30 at once)."""
    clock.at(utc(2025, 12, 11))
    s = setup_contract()
    run_pass()
    assert [d["days"] for k, d in events(s.contract) if k == "renewal_reminder"] == [30]


def test_grace_then_expiry_with_events_and_customer_hours(clock):
    """Business-hours contract (New York) ending 2025-12-31, 30 days of grace.
    - Pass at 00:05 on 2026-01-01: active -> grace, event at local midnight; the service manager
      is told on the next pass, the customer ("contract has lapsed") when the calendar opens at
      09:00 (2026-01-01 is a Thursday; this calendar has no holidays).
    - A ticket opened in grace is flagged and its contact told once that the contract lapsed.
    - 2026-01-31: grace -> expired; a ticket opened then is out of contract and gets no notice."""
    clock.at(ny(2025, 12, 1))
    s = setup_contract(
        calendar=business_hours(), tz="America/New_York", targets={(3, "first_response"): 120}
    )
    s.contract.refresh_from_db()
    assert s.contract.status == "active"

    pass_on(clock, ny(2026, 1, 1, 0, 5))
    s.contract.refresh_from_db()
    assert s.contract.status == "grace"
    assert events(s.contract)[-1] == (
        "status_changed",
        {"status": ["active", "grace"], "since": "2026-01-01"},
    )
    assert ContractEvent.objects.filter(contract=s.contract).last().at == ny(2026, 1, 1)
    told = Notification.objects.get(event="contract.grace", recipient="it@acme.test")
    assert (told.status, told.not_before) == ("pending", ny(2026, 1, 1, 9))
    assert "has lapsed" in told.body
    # Lifecycle jobs run after the delivery step: their messages leave on the next pass.
    pass_on(clock, ny(2026, 1, 1, 0, 6))
    assert (
        Notification.objects.get(
            event="contract.grace", recipient="acme-manager@provider.test"
        ).status
        == "sent"
    )
    assert (
        Notification.objects.get(event="contract.grace", recipient="it@acme.test").status
        == "pending"
    )
    pass_on(clock, ny(2026, 1, 1, 9))
    assert Notification.objects.get(event="contract.grace", recipient="it@acme.test").sent_at == ny(
        2026, 1, 1, 9
    )

    clock.at(ny(2026, 1, 5, 10))
    ticket = ts.open_ticket(
        customer=s.customer, contact=s.contact, subject="Fan noise", category=Category.HARDWARE
    )
    assert (ticket.coverage, ticket.coverage_expires_on) == ("grace", date(2025, 12, 31))
    run_pass()
    run_pass()
    notice = Notification.objects.get(event="ticket.contract_lapsed")
    assert (notice.recipient, notice.ticket_id, notice.status) == (
        "it@acme.test",
        ticket.pk,
        "sent",
    )
    assert notice.subject == f"[{ticket.number}] Contract ACME-1 has lapsed"

    pass_on(clock, ny(2026, 1, 30, 12))
    s.contract.refresh_from_db()
    assert s.contract.status == "grace"
    pass_on(clock, ny(2026, 1, 31, 0, 1))
    s.contract.refresh_from_db()
    assert s.contract.status == "expired"
    assert [d["status"] for k, d in events(s.contract) if k == "status_changed"] == [
        ["active", "grace"],
        ["grace", "expired"],
    ]
    clock.at(ny(2026, 2, 2, 10))
    late = ts.open_ticket(customer=s.customer, contact=s.contact, subject="Fan noise again")
    assert late.coverage == "out_of_contract"
    run_pass()
    assert Notification.objects.filter(event="ticket.contract_lapsed").count() == 1


def test_a_grace_ticket_is_told_even_when_the_worker_was_down_past_expiry(clock):
    """A ticket opened on the last day of grace (2026-01-30) while no worker ran; the next pass
    comes on 2026-02-06, six days after the contract expired: the contact is still told once."""
    clock.at(ny(2025, 12, 1))
    s = setup_contract(tz="America/New_York", targets={(3, "first_response"): 120})
    pass_on(clock, ny(2026, 1, 1, 0, 5))
    clock.at(ny(2026, 1, 30, 15))
    ticket = ts.open_ticket(customer=s.customer, contact=s.contact, subject="Disk")
    assert ticket.coverage == "grace"
    pass_on(clock, ny(2026, 2, 6, 10))
    s.contract.refresh_from_db()
    assert s.contract.status == "expired"
    run_pass()
    notice = Notification.objects.get(event="ticket.contract_lapsed")
    assert (notice.ticket_id, notice.recipient) == (ticket.pk, "it@acme.test")
    run_pass()
    assert Notification.objects.filter(event="ticket.contract_lapsed").count() == 1


def test_automatic_renewal_extends_the_term_and_never_lapses(clock):
    """Renews automatically, term 2025-01-01..2025-12-31 (12 months). The first pass of
    2026-01-01 extends it to 2026-12-31 (event 'renewed', still active, no grace); a year
    later it renews again to 2027-12-31. Automatic contracts get no export reminder."""
    clock.at(utc(2025, 1, 1))
    s = setup_contract(renewal="automatic", start=date(2025, 1, 1))
    pass_on(clock, utc(2025, 12, 31, 23))
    pass_on(clock, utc(2026, 1, 1, 0, 1))
    s.contract.refresh_from_db()
    assert (s.contract.end_date, s.contract.status) == (date(2026, 12, 31), "active")
    renewed = [d for k, d in events(s.contract) if k == "renewed"]
    assert renewed == [
        {"term": {"months": 12, "days": 0}, "previous_end": "2025-12-31", "end_date": "2026-12-31"}
    ]
    assert "status_changed" not in [k for k, _ in events(s.contract)]
    assert (
        Notification.objects.filter(event="contract.renewed", recipient="it@acme.test").count() == 1
    )

    pass_on(clock, utc(2027, 1, 2))
    s.contract.refresh_from_db()
    assert s.contract.end_date == date(2027, 12, 31)
    assert keys("export:") == []


def test_terms_in_months_keep_month_ends_and_odd_terms_count_days(clock):
    """A month-aligned term renews by months (Feb 29 in a leap year); others by days."""
    assert next_term_end(date(2024, 1, 31), Term(months=1)) == date(2024, 2, 29)
    assert next_term_end(date(2025, 3, 10), Term(days=55)) == date(2025, 5, 4)
    clock.at(utc(2025, 1, 15))
    s = setup_contract(start=date(2025, 1, 15), end=date(2025, 3, 10))
    assert term_of(s.contract) == Term(days=55)


def test_resolved_ticket_closes_itself_after_auto_close_days(clock, settings):
    """AUTO_CLOSE_DAYS=7: resolved Mon 2025-06-02 10:00, still resolved at 09:59:59 a week
    later, closed automatically by the pass at 10:00."""
    settings.SERVICEPACT = {**settings.SERVICEPACT, "AUTO_CLOSE_DAYS": 7}
    clock.at(utc(2025, 6, 2, 9))
    s = setup_contract()
    ticket = ts.open_ticket(
        customer=s.customer,
        contact=s.contact,
        subject="Reset password",
        category=Category.APPLICATION,
    )
    ts.acknowledge_ticket(ticket=ticket, actor=s.agent)
    clock.at(utc(2025, 6, 2, 10))
    ts.resolve_ticket(ticket=ticket, actor=s.agent, resolution="Done")
    assert pass_on(clock, utc(2025, 6, 9, 9, 59, 59)).closed == 0
    assert pass_on(clock, utc(2025, 6, 9, 10)).closed == 1
    ticket.refresh_from_db()
    assert (ticket.status, ticket.closed_at) == ("closed", utc(2025, 6, 9, 10))
    assert ticket.events.get(kind="closed").data == {
        "status": ["resolved", "closed"],
        "automatic": True,
    }
