"""Ticket lifecycle: allowed transitions, refused ones write nothing, events are immutable."""

from __future__ import annotations

import pytest

from servicepact.core.errors import DomainValidationError, TransitionError
from servicepact.core.models import ImmutableModelError
from servicepact.tickets import services as ts
from servicepact.tickets.choices import EventKind, Status
from servicepact.tickets.models import TicketEvent
from servicepact.tickets.testing import world

from .conftest import ny

pytestmark = pytest.mark.django_db


def test_full_lifecycle_appends_one_event_per_step(clock):
    """new -> acknowledged -> in progress -> solution proposed -> resolved -> closed."""
    clock.at(ny(2025, 6, 9, 9))
    w = world()
    t = ts.open_ticket(customer=w.customer, contact=w.contact, asset=w.asset, subject="x")
    assert t.number == f"SP-{t.pk:06d}"
    ts.acknowledge_ticket(ticket=t, actor=w.agent)
    ts.start_work(ticket=t, actor=w.agent)
    ts.propose_solution(ticket=t, actor=w.agent, solution="Update firmware")
    ts.resolve_ticket(ticket=t, actor=w.agent)
    t = ts.close_ticket(ticket=t, actor=w.contact.user)
    assert t.status == Status.CLOSED
    kinds = list(t.events.order_by("id").values_list("kind", flat=True))
    assert kinds == ["opened", "acknowledged", "started", "solution_proposed", "resolved", "closed"]
    assert t.events.get(kind="resolved").data["status"] == ["solution_proposed", "resolved"]


def test_invalid_transition_raises_and_writes_nothing(clock):
    """Resolving a new ticket is refused with a message naming the allowed states."""
    clock.at(ny(2025, 6, 9, 9))
    w = world()
    t = ts.open_ticket(customer=w.customer, asset=w.asset, subject="x")
    before = TicketEvent.objects.count()
    with pytest.raises(TransitionError, match=r"cannot resolve ticket SP-.* it is New"):
        ts.resolve_ticket(ticket=t, actor=w.agent)
    with pytest.raises(TransitionError, match="cannot resume"):
        ts.resume_ticket(ticket=t, actor=w.agent)
    assert TicketEvent.objects.count() == before
    t.refresh_from_db()
    assert t.status == Status.NEW


def test_pause_needs_a_reason_and_validation_names_the_field(clock):
    clock.at(ny(2025, 6, 9, 9))
    w = world()
    t = ts.open_ticket(customer=w.customer, asset=w.asset, subject="x")
    ts.acknowledge_ticket(ticket=t, actor=w.agent)
    with pytest.raises(DomainValidationError) as exc:
        ts.pause_ticket(ticket=t, actor=w.agent, reason="  ")
    assert list(exc.value.errors) == ["reason"]


def test_open_validation_names_every_bad_field(clock):
    """Impact 7 and another customer's asset are both reported; nothing is stored."""
    clock.at(ny(2025, 6, 9, 9))
    a, b = world(code="acme"), world(code="globex")
    with pytest.raises(DomainValidationError) as exc:
        ts.open_ticket(customer=a.customer, asset=b.asset, subject="", impact=7)
    assert set(exc.value.errors) == {"asset", "impact", "subject"}
    assert not TicketEvent.objects.exists()


def test_future_instants_are_refused(clock):
    clock.at(ny(2025, 6, 9, 9))
    w = world()
    t = ts.open_ticket(customer=w.customer, asset=w.asset, subject="x")
    with pytest.raises(DomainValidationError) as exc:
        ts.acknowledge_ticket(ticket=t, actor=w.agent, at=ny(2025, 6, 9, 10))
    assert list(exc.value.errors) == ["at"]


def test_internal_comments_are_internal_events(clock):
    clock.at(ny(2025, 6, 9, 9))
    w = world()
    t = ts.open_ticket(customer=w.customer, asset=w.asset, subject="x")
    ts.add_comment(ticket=t, author=w.agent, body="spare part on order", internal=True)
    ts.add_comment(ticket=t, author=w.contact.user, body="thanks")
    events = list(t.events.filter(kind=EventKind.COMMENTED).values_list("public", flat=True))
    assert events == [False, True]
    with pytest.raises(DomainValidationError):
        ts.add_comment(ticket=t, author=w.contact.user, body="x", internal=True)


def test_events_are_immutable(clock):
    clock.at(ny(2025, 6, 9, 9))
    w = world()
    t = ts.open_ticket(customer=w.customer, asset=w.asset, subject="x")
    event = t.events.get()
    event.data = {"tampered": True}
    with pytest.raises(ImmutableModelError):
        event.save()
    with pytest.raises(ImmutableModelError):
        event.delete()
