"""Follow-ups: created once per resolved ticket by the worker's step, due in business days
of the plan's calendar in the customer's zone, closed with an outcome."""

from __future__ import annotations

from datetime import date

import pytest

from servicepact.aftercare.choices import Channel, FollowUpStatus, Outcome
from servicepact.aftercare.models import AftercarePolicy, FollowUp
from servicepact.aftercare.policy import add_business_days
from servicepact.aftercare.services import create_followups, record_followup_outcome
from servicepact.aftercare.testing import resolved
from servicepact.contracts.models import Holiday
from servicepact.core.errors import DomainValidationError, TransitionError
from servicepact.core.testing import ny
from servicepact.tickets.services import reopen_ticket, resolve_ticket
from servicepact.tickets.testing import login

pytestmark = pytest.mark.django_db


def test_one_followup_per_resolved_ticket_even_after_reopen_and_resolve(acme, clock):
    """Resolved Fri 6 Jun 2025 15:00 NY: the step creates one follow-up (by telephone, the
    ticket's agent... none assigned -> the contract's service manager, none -> empty), due 2
    business days later: Tue 10 Jun. A second pass creates nothing; reopened Mon and resolved
    again Tue, the ticket keeps its one follow-up and its due date."""
    ticket = resolved(acme, clock, ny(2025, 6, 6, 10), ny(2025, 6, 6, 15))
    assert create_followups(now=ny(2025, 6, 6, 15, 1)) == 1
    assert create_followups(now=ny(2025, 6, 6, 15, 2)) == 0
    followup = FollowUp.objects.get(ticket=ticket)
    assert (followup.channel, followup.due_on, followup.status) == (
        Channel.CALL,
        date(2025, 6, 10),
        FollowUpStatus.OPEN,
    )
    clock.at(ny(2025, 6, 9, 9))
    reopen_ticket(ticket=ticket, actor=acme.agent, reason="still failing")
    clock.at(ny(2025, 6, 10, 9))
    resolve_ticket(ticket=ticket, actor=acme.agent, resolution="Controller replaced")
    assert create_followups(now=ny(2025, 6, 10, 9, 1)) == 0
    assert FollowUp.objects.filter(ticket=ticket).count() == 1
    assert FollowUp.objects.get(ticket=ticket).due_on == date(2025, 6, 10)


def test_due_date_skips_the_weekend_and_the_plans_holidays(acme, clock):
    """Fri 6 Jun + 2 business days with Mon 9 Jun a holiday of the plan's calendar: Tue 10
    is the 1st, Wed 11 the 2nd."""
    Holiday.objects.create(calendar=acme.plan.calendar, date=date(2025, 6, 9), name="Closed")
    ticket = resolved(acme, clock, ny(2025, 6, 6, 10), ny(2025, 6, 6, 15))
    create_followups(now=ny(2025, 6, 6, 16))
    assert FollowUp.objects.get(ticket=ticket).due_on == date(2025, 6, 11)
    assert add_business_days(date(2025, 6, 6), 0, set()) == date(2025, 6, 6)


def test_due_date_counts_from_the_local_date_of_the_resolution(acme, clock):
    """Resolved Thu 5 Jun 22:30 NY (Fri 02:30 UTC): the local date is Thursday, so 2
    business days give Mon 9 Jun (from Friday they would give Tue 10)."""
    ticket = resolved(acme, clock, ny(2025, 6, 5, 10), ny(2025, 6, 5, 22, 30))
    create_followups(now=ny(2025, 6, 5, 23))
    assert FollowUp.objects.get(ticket=ticket).due_on == date(2025, 6, 9)


def test_a_contract_with_followups_off_gets_none_and_the_plan_policy_applies(acme, clock):
    """The contract's policy (off) wins over its plan's (on, e-mail, 5 days)."""
    AftercarePolicy.objects.create(
        plan=acme.plan, followup_channel=Channel.EMAIL, followup_business_days=5
    )
    AftercarePolicy.objects.create(contract=acme.contract, followups_enabled=False)
    resolved(acme, clock, ny(2025, 6, 6, 10), ny(2025, 6, 6, 15))
    assert create_followups(now=ny(2025, 6, 6, 16)) == 0
    assert not FollowUp.objects.exists()


def test_the_plan_policy_sets_channel_and_days(acme, clock):
    """Plan: e-mail, 5 business days: Fri 6 Jun -> Fri 13 Jun."""
    AftercarePolicy.objects.create(
        plan=acme.plan, followup_channel=Channel.EMAIL, followup_business_days=5
    )
    ticket = resolved(acme, clock, ny(2025, 6, 6, 10), ny(2025, 6, 6, 15))
    create_followups(now=ny(2025, 6, 6, 16))
    followup = FollowUp.objects.get(ticket=ticket)
    assert (followup.channel, followup.due_on) == (Channel.EMAIL, date(2025, 6, 13))


def test_an_outcome_closes_the_followup_once(acme, clock):
    """Not satisfied needs a note (422 on note); an unknown outcome is 422 on outcome; a
    done follow-up refuses a second outcome (409)."""
    ticket = resolved(acme, clock, ny(2025, 6, 6, 10), ny(2025, 6, 6, 15))
    create_followups(now=ny(2025, 6, 6, 16))
    followup = FollowUp.objects.get(ticket=ticket)
    with pytest.raises(DomainValidationError) as bad:
        record_followup_outcome(followup=followup, actor=acme.agent, outcome="happy")
    assert set(bad.value.errors) == {"outcome"}
    with pytest.raises(DomainValidationError) as empty:
        record_followup_outcome(followup=followup, actor=acme.agent, outcome=Outcome.NOT_SATISFIED)
    assert set(empty.value.errors) == {"note"}
    done = record_followup_outcome(
        followup=followup, actor=acme.agent, outcome=Outcome.SATISFIED, note="All good"
    )
    assert (done.status, done.outcome, done.done_by) == (
        FollowUpStatus.DONE,
        Outcome.SATISFIED,
        acme.agent,
    )
    with pytest.raises(TransitionError):
        record_followup_outcome(followup=followup, actor=acme.agent, outcome=Outcome.REACHED)


def test_desk_lists_due_followups_and_records_an_outcome(acme, clock):
    ticket = resolved(acme, clock, ny(2025, 6, 6, 10), ny(2025, 6, 6, 15))
    create_followups(now=ny(2025, 6, 6, 16))
    followup = FollowUp.objects.get(ticket=ticket)
    desk = login(acme.agent)
    page = desk.get("/desk/followups/")
    assert page.status_code == 200
    assert ticket.number in page.content.decode()
    answer = desk.post(f"/desk/followups/{followup.pk}/", {"outcome": "no_answer", "note": ""})
    assert answer.status_code == 302
    followup.refresh_from_db()
    assert followup.outcome == Outcome.NO_ANSWER
    assert ticket.number not in desk.get("/desk/followups/").content.decode()
    # a contact never reaches the desk's follow-ups
    assert login(acme.contact.user).get(f"/desk/followups/{followup.pk}/").status_code in (
        302,
        403,
        404,
    )


def test_a_resolution_older_than_the_lookback_gets_no_followup(acme, clock):
    """The step looks back 14 days: a ticket resolved 15 days before the pass gets none."""
    resolved(acme, clock, ny(2025, 6, 2, 9), ny(2025, 6, 2, 15))
    assert create_followups(now=ny(2025, 6, 17, 16)) == 0
    assert not FollowUp.objects.exists()


def test_a_ticket_covered_by_a_warranty_alone_gets_its_followup(acme, clock):
    """A server on no contract line under a Gold 7x24x4 warranty: its ticket is covered by
    the warranty (no contract). Resolved Fri 6 Jun 2025 15:00 NY, the step creates its
    follow-up (the defaults: by telephone, 2 business days -> Tue 10 Jun), nobody assigned (no
    contract, no service manager). A server with neither contract nor warranty gets none."""
    from servicepact.assets.models import Asset
    from servicepact.tickets.services import acknowledge_ticket, open_ticket
    from servicepact.tickets.testing import gold_tier, warranty

    clock.at(ny(2025, 6, 6, 10))
    spare = Asset.objects.create(customer=acme.customer, hostname="spare-01")
    bare = Asset.objects.create(customer=acme.customer, hostname="bare-01")
    warranty(spare, gold_tier())
    covered = open_ticket(customer=acme.customer, asset=spare, subject="PSU", priority=3)
    uncovered = open_ticket(customer=acme.customer, asset=bare, subject="Fan", priority=3)
    assert (covered.coverage, covered.contract_id) == ("warranty", None)
    for ticket in (covered, uncovered):
        acknowledge_ticket(ticket=ticket, actor=acme.agent)
    clock.at(ny(2025, 6, 6, 15))
    for ticket in (covered, uncovered):
        resolve_ticket(ticket=ticket, actor=acme.agent, resolution="Replaced")
    assert create_followups(now=ny(2025, 6, 6, 15, 1)) == 1
    followup = FollowUp.objects.get()
    assert (followup.ticket_id, followup.channel, followup.due_on, followup.assignee) == (
        covered.pk,
        Channel.CALL,
        date(2025, 6, 10),
        None,
    )
