"""Declaring a major incident: priority from the level, emergency contacts told at once on
every channel (quiet hours overridden), while ordinary customer messages still wait.

World: Acme, Mon-Fri 09:00-18:00 America/New_York. Saturday 2025-06-07 03:00 EDT is outside
the calendar: an ordinary customer message waits until Monday 09:00 EDT.
"""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied

from servicepact.contracts.lifecycle import tell
from servicepact.core.errors import DomainValidationError, TransitionError
from servicepact.incidents import services as incidents
from servicepact.incidents.models import MajorIncident
from servicepact.notifications.delivery import deliver_due
from servicepact.notifications.models import Notification, WebhookEndpoint
from servicepact.notifications.services import Message
from servicepact.tickets import services as ts
from servicepact.tickets.choices import EventKind
from servicepact.tickets.testing import ny, world

pytestmark = pytest.mark.django_db

NIGHT = ny(2025, 6, 7, 3)


def setup(clock):
    clock.at(ny(2025, 6, 6, 12))
    w = world(code="acme")
    w.contract.service_manager = w.agent
    w.contract.save()
    w.agent.email = "agent@provider.test"
    w.agent.save()
    w.contact.email = "it@acme.test"
    w.contact.save()
    incidents.add_emergency_contact(
        contract=w.contract, actor=w.agent, contact=w.contact, up_to_level=2
    )
    incidents.add_emergency_contact(
        contract=w.contract, actor=w.agent, name="CIO", email="cio@acme.test", up_to_level=1
    )
    WebhookEndpoint.objects.create(
        name="acme hook", url="http://127.0.0.1:9/acme", customer=w.customer
    )
    clock.at(ny(2025, 6, 7, 2))
    ticket = ts.open_ticket(customer=w.customer, contact=w.contact, subject="Database lost")
    return w, ticket


def test_level_one_reaches_every_emergency_contact_at_once_at_night(clock):
    """At Sat 03:00 EDT: both emergency contacts of level I get an e-mail due now (no
    not_before), the customer's webhook too, the service manager in-app and by e-mail; the
    delivery pass at 03:00 sends the e-mails."""
    w, ticket = setup(clock)
    clock.at(NIGHT)
    incident = incidents.declare_major_incident(
        ticket=ticket, level=1, summary="Primary database lost", actor=w.agent
    )
    rows = Notification.objects.filter(event="incident.major_declared")
    emails = sorted(r.recipient for r in rows.filter(channel="email"))
    assert emails == ["agent@provider.test", "cio@acme.test", "it@acme.test"]
    assert {r.channel for r in rows} == {"email", "webhook", "in_app"}
    assert [r.recipient for r in rows.filter(channel="webhook")] == ["http://127.0.0.1:9/acme"]
    assert all(r.not_before is None and r.next_attempt_at == NIGHT for r in rows)
    assert incident.notified == rows.count() == 5

    deliver_due(now=NIGHT)
    sent = sorted(m.to[0] for m in mail.outbox)
    assert sent == ["agent@provider.test", "cio@acme.test", "it@acme.test"]


def test_ordinary_customer_messages_still_wait_for_the_calendar(clock):
    """The same night, a lifecycle message to the customer waits until Monday 09:00 EDT and
    the delivery pass at 03:00 does not send it."""
    w, _ticket = setup(clock)
    clock.at(NIGHT)
    message = Message(
        event="contract.test", subject="Reminder", body="b", contract_id=w.contract.pk
    )
    tell(w.contract, key="ordinary", message=message, now=NIGHT, customer=True)
    row = Notification.objects.get(event="contract.test", recipient="it@acme.test")
    assert (row.not_before, row.next_attempt_at) == (ny(2025, 6, 9, 9), ny(2025, 6, 9, 9))
    deliver_due(now=NIGHT)
    assert "it@acme.test" not in [m.to[0] for m in mail.outbox]


def test_level_two_skips_contacts_of_level_one_only(clock):
    """The CIO is told of level I only: a level II incident reaches the IT contact alone."""
    w, ticket = setup(clock)
    clock.at(NIGHT)
    incidents.declare_major_incident(ticket=ticket, level=2, summary="Degraded", actor=w.agent)
    emails = Notification.objects.filter(event="incident.major_declared", channel="email")
    assert sorted(r.recipient for r in emails) == ["agent@provider.test", "it@acme.test"]


def test_priority_follows_the_level_with_an_event(clock):
    """Level I maps to P1 (default classification): the P3 ticket becomes P1 with a
    priority_changed event naming the major incident."""
    w, ticket = setup(clock)
    assert ticket.priority == 3
    clock.at(NIGHT)
    incidents.declare_major_incident(ticket=ticket, level=1, summary="x", actor=w.agent)
    ticket.refresh_from_db()
    assert ticket.priority == 1
    event = ticket.events.get(kind=EventKind.PRIORITY_CHANGED)
    assert event.data["priority"] == [3, 1]


def test_contract_classification_maps_levels_to_priorities(clock):
    """With its own classification, level II is P2 and level III is not a major incident."""
    w, ticket = setup(clock)
    incidents.set_event_levels(
        contract=w.contract,
        actor=w.agent,
        levels=[
            incidents.LevelIn(level=1, name="Outage", priority=1),
            incidents.LevelIn(level=2, name="Serious", priority=2),
            incidents.LevelIn(level=3, name="Minor", priority=3, major=False),
        ],
    )
    clock.at(NIGHT)
    with pytest.raises(DomainValidationError) as refused:
        incidents.declare_major_incident(ticket=ticket, level=3, summary="x", actor=w.agent)
    assert "level" in refused.value.errors
    assert not Notification.objects.filter(event="incident.major_declared").exists()
    incidents.declare_major_incident(ticket=ticket, level=2, summary="x", actor=w.agent)
    ticket.refresh_from_db()
    assert ticket.priority == 2


def test_declaring_twice_or_by_a_contact_is_refused(clock):
    w, ticket = setup(clock)
    clock.at(NIGHT)
    with pytest.raises(PermissionDenied):
        incidents.declare_major_incident(ticket=ticket, level=1, summary="x", actor=w.contact.user)
    incidents.declare_major_incident(ticket=ticket, level=1, summary="x", actor=w.agent)
    with pytest.raises(TransitionError):
        incidents.declare_major_incident(ticket=ticket, level=1, summary="x", actor=w.agent)
    assert MajorIncident.objects.count() == 1


def test_runbooks_of_the_contract_and_its_plan_are_linked(clock):
    w, ticket = setup(clock)
    own = incidents.save_runbook(
        actor=w.agent, title="DB restore", body="1. ...", contract=w.contract
    )
    shared = incidents.save_runbook(actor=w.agent, title="Plan DR", body="1. ...", plan=w.plan)
    other = world(code="globex")
    foreign = incidents.save_runbook(
        actor=w.agent, title="Other", body="x", contract=other.contract
    )
    clock.at(NIGHT)
    with pytest.raises(DomainValidationError):
        incidents.declare_major_incident(
            ticket=ticket, level=1, summary="x", actor=w.agent, runbooks=[foreign.pk]
        )
    incident = incidents.declare_major_incident(ticket=ticket, level=1, summary="x", actor=w.agent)
    assert sorted(r.pk for r in incident.runbooks.all()) == sorted([own.pk, shared.pk])


def test_without_a_manager_or_assignee_the_duty_managers_hear_of_it(clock):
    """No service manager, no assignee: every active service manager (the duty fallback) gets
    it in-app and by e-mail, at once."""
    from servicepact.accounts.models import StaffProfile
    from servicepact.tickets.testing import user

    w, ticket = setup(clock)
    w.contract.service_manager = None
    w.contract.save()
    boss = user("boss", staff=True)
    boss.email = "boss@provider.test"
    boss.save()
    StaffProfile.objects.create(user=boss, role="service_manager")
    clock.at(NIGHT)
    incidents.declare_major_incident(ticket=ticket, level=1, summary="x", actor=w.agent)
    rows = Notification.objects.filter(event="incident.major_declared", user=boss)
    assert sorted(r.channel for r in rows) == ["email", "in_app"]
    assert all(r.not_before is None for r in rows)
