"""Escalations always reach someone on staff (issue 11): a P1 whose contract has no service
manager and whose ticket has no assignee and no team. Opened Sunday 2025-06-01 02:00 UTC on a
24x7 contract (first response 60 min): 50 % at 02:30, the breach at 03:00 (+1 s)."""

from __future__ import annotations

import pytest

from servicepact.accounts.choices import StaffRole
from servicepact.accounts.duty import duty
from servicepact.accounts.models import StaffProfile, Team
from servicepact.contracts.choices import Metric
from servicepact.contracts.models import Contract
from servicepact.notifications.models import Notification
from servicepact.tickets import services as ts
from servicepact.tickets.choices import Category
from servicepact.worker.passes import run_pass

from .conftest import make_user, setup_contract, utc

pytestmark = pytest.mark.django_db


def staff_rows(percent: int) -> set[tuple[str, str]]:
    return set(
        Notification.objects.filter(
            idempotency_key__startswith="esc:",
            audience="staff",
            channel__in=("email", "in_app"),
            payload__percent=percent,
            payload__metric=Metric.FIRST_RESPONSE,
        ).values_list("channel", "recipient")
    )


@pytest.fixture
def unowned(clock):
    """The contract without a manager, the ticket without an assignee or team."""
    clock.at(utc(2025, 6, 1, 1))
    s = setup_contract()
    Contract.objects.filter(pk=s.contract.pk).update(service_manager=None)
    clock.at(utc(2025, 6, 1, 2))
    ts.open_ticket(
        customer=s.customer,
        contact=s.contact,
        subject="Router down",
        impact=1,
        urgency=1,
        category=Category.NETWORK,
    )
    return s


def breach(clock):
    clock.at(utc(2025, 6, 1, 2, 30))
    run_pass()
    clock.at(utc(2025, 6, 1, 3, 0, 1))
    run_pass()


def with_duty(settings, name: str) -> None:
    settings.SERVICEPACT = {**settings.SERVICEPACT, "DUTY_TEAM": name}


def test_the_duty_team_hears_what_nobody_else_would(unowned, clock, settings):
    """SERVICEPACT_DUTY_TEAM=duty: the team's address and its active members (in-app; the
    address carries the e-mail) get the 50 % step and the breach; the customer still gets
    the breach; the ops team, not on the ticket, hears nothing."""
    with_duty(settings, "duty")
    team = Team.objects.create(name="duty", email="duty@provider.test")
    oncall, gone = make_user("oncall"), make_user("gone")
    gone.is_active = False
    gone.save()
    team.members.add(oncall, gone)
    breach(clock)
    expected = {("email", "duty@provider.test"), ("in_app", "oncall")}
    assert staff_rows(50) == expected
    assert staff_rows(100) == expected
    customer = Notification.objects.filter(audience="customer", payload__percent=100)
    assert set(customer.values_list("recipient", flat=True)) == {"it@acme.test"}


def test_without_a_duty_team_the_service_managers_hear_of_it(unowned, clock):
    """No duty team: every active service manager (by staff role), not other staff."""
    boss = make_user("boss")
    StaffProfile.objects.create(user=boss, role=StaffRole.SERVICE_MANAGER)
    StaffProfile.objects.create(user=unowned.agent, role=StaffRole.AGENT_L1)
    breach(clock)
    expected = {("email", "boss@provider.test"), ("in_app", "boss")}
    assert staff_rows(50) == expected
    assert staff_rows(100) == expected


def test_a_duty_team_that_does_not_exist_falls_back_to_the_managers(unowned, clock, settings):
    with_duty(settings, "no such team")
    boss = make_user("boss")
    StaffProfile.objects.create(user=boss, role=StaffRole.SERVICE_MANAGER)
    breach(clock)
    assert staff_rows(100) == {("email", "boss@provider.test"), ("in_app", "boss")}


def test_without_managers_the_superusers_hear_of_it(unowned, clock):
    root = make_user("root")
    root.is_superuser = True
    root.save()
    breach(clock)
    assert staff_rows(100) == {("email", "root@provider.test"), ("in_app", "root")}
    assert "administrators" in duty().label


def test_an_assigned_ticket_does_not_wake_the_duty_team(unowned, clock, settings):
    """The negative case: someone owns the ticket, so only the step's own recipients."""
    with_duty(settings, "duty")
    Team.objects.create(name="duty", email="duty@provider.test")
    from servicepact.tickets.models import Ticket

    ticket = Ticket.objects.get()
    ts.assign_ticket(ticket=ticket, actor=unowned.agent, assignee=unowned.agent)
    breach(clock)
    assert staff_rows(50) == {("in_app", "acme-agent"), ("email", "acme-agent@provider.test")}
    assert ("email", "duty@provider.test") not in staff_rows(100)
