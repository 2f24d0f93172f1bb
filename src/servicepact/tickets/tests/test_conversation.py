"""The ticket conversation: who is told of which step, replies resume waiting tickets, the
customer's answer to a proposed solution, and the length limits of free text."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from servicepact.accounts.models import Team
from servicepact.core.errors import DomainValidationError, TransitionError
from servicepact.notifications.choices import Audience, Channel
from servicepact.notifications.models import Notification
from servicepact.tickets import services as ts
from servicepact.tickets.choices import ClockState, EventKind, Status
from servicepact.tickets.models import Comment, Ticket, TicketEvent
from servicepact.tickets.notify import Step, language_of, notify_step
from servicepact.tickets.testing import user, world

from .conftest import ny

pytestmark = pytest.mark.django_db

CONTACT_MAIL = "it@acme.example"


@pytest.fixture
def w(clock):
    clock.at(ny(2025, 6, 9, 10))  # Monday, inside NY business hours
    w = world()
    w.contact.email = CONTACT_MAIL
    w.contact.save()
    w.agent.email = "agent@provider.example"
    w.agent.save()
    return w


def _working(w, clock) -> Ticket:
    t = ts.open_ticket(customer=w.customer, contact=w.contact, asset=w.asset, subject="Disk")
    ts.acknowledge_ticket(ticket=t, actor=w.agent)
    return ts.start_work(ticket=t, actor=w.agent)


def _customer_mail() -> list[Notification]:
    return list(Notification.objects.filter(audience=Audience.CUSTOMER).order_by("pk"))


# ---------------------------------------------------------------- staff -> customer


@pytest.mark.parametrize(
    ("step", "event", "text"),
    [
        (
            lambda t, a: ts.add_comment(ticket=t, author=a, body="Which RAID level?"),
            "staff_reply",
            "Which RAID level?",
        ),
        (
            lambda t, a: ts.pause_ticket(ticket=t, actor=a, reason="Need console access"),
            "waiting",
            "Need console access",
        ),
        (
            lambda t, a: ts.propose_solution(ticket=t, actor=a, solution="Swap disk 3"),
            "solution_proposed",
            "Swap disk 3",
        ),
        (
            lambda t, a: ts.resolve_ticket(ticket=t, actor=a, resolution="Disk swapped"),
            "resolved",
            "Disk swapped",
        ),
    ],
)
def test_each_public_staff_step_mails_the_ticket_contact_once(w, clock, step, event, text):
    """One e-mail to the contact per step, with the text and a portal link; nothing to staff."""
    t = _working(w, clock)
    step(t, w.agent)
    [mail] = _customer_mail()
    assert (mail.channel, mail.recipient, mail.event) == (
        Channel.EMAIL,
        CONTACT_MAIL,
        f"ticket.{event}",
    )
    assert text in mail.body
    assert f"/portal/tickets/{t.pk}/" in mail.body
    assert mail.subject.startswith(f"[{t.number}] ")
    assert not Notification.objects.filter(audience=Audience.STAFF).exists()


def test_the_same_step_notified_again_enqueues_nothing(w, clock):
    """The idempotency key is the ticket event: a re-run finds the existing row."""
    t = _working(w, clock)
    ts.add_comment(ticket=t, author=w.agent, body="Hello")
    event = t.events.get(kind=EventKind.COMMENTED)
    notify_step(ticket=t, step=Step.STAFF_REPLY, event=event, text="Hello")
    assert Notification.objects.count() == 1


def test_an_internal_note_notifies_nobody(w, clock):
    """Negative case: an internal note reaches no customer (and no one else)."""
    t = _working(w, clock)
    ts.add_comment(ticket=t, author=w.agent, body="Customer is difficult", internal=True)
    assert Notification.objects.count() == 0


def test_a_ticket_without_a_contact_address_mails_nobody(w, clock):
    t = _working(w, clock)
    w.contact.email = ""
    w.contact.save()
    ts.add_comment(ticket=Ticket.objects.get(pk=t.pk), author=w.agent, body="Hi")
    assert Notification.objects.count() == 0


# ---------------------------------------------------------------- customer -> agent


def test_a_customer_reply_notifies_the_assignee_in_app_and_by_mail(w, clock):
    t = _working(w, clock)
    ts.assign_ticket(ticket=t, actor=w.agent, assignee=w.agent)
    ts.add_comment(ticket=t, author=w.contact.user, body="Console is open now")
    rows = Notification.objects.order_by("channel")
    assert [(n.channel, n.recipient, n.event) for n in rows] == [
        (Channel.EMAIL, "agent@provider.example", "ticket.customer_reply"),
        (Channel.IN_APP, w.agent.get_username(), "ticket.customer_reply"),
    ]
    assert "Console is open now" in rows[0].body
    assert f"/desk/tickets/{t.pk}/" in rows[0].body
    assert not _customer_mail()  # the customer is not told of their own reply


def test_without_an_assignee_the_team_hears_then_the_service_manager(w, clock):
    t = _working(w, clock)
    member = user("team-member", staff=True)
    team = Team.objects.create(name="Storage", email="storage@provider.example")
    team.members.add(member)
    ts.assign_ticket(ticket=t, actor=w.agent, team=team)
    ts.add_comment(ticket=t, author=w.contact.user, body="Any news?")
    assert sorted((n.channel, n.recipient) for n in Notification.objects.all()) == [
        (Channel.EMAIL, "storage@provider.example"),
        (Channel.IN_APP, "team-member"),
    ]
    Notification.objects.all().delete()
    manager = user("manager", staff=True)
    w.contract.service_manager = manager
    w.contract.save()
    t = ts.assign_ticket(ticket=Ticket.objects.get(pk=t.pk), actor=w.agent, team=None)
    ts.add_comment(ticket=t, author=w.contact.user, body="Hello?")
    assert [(n.channel, n.recipient) for n in Notification.objects.all()] == [
        (Channel.IN_APP, "manager")
    ]


# ---------------------------------------------------------------- replies and the waiting state


def test_a_customer_reply_resumes_a_waiting_ticket_and_marks_it(w, clock):
    """Paused at 10:00, the customer answers at 11:00: resumed (event), the clocks run again."""
    t = _working(w, clock)
    ts.pause_ticket(ticket=t, actor=w.agent, reason="Need console access")
    clock.at(ny(2025, 6, 9, 11))
    ts.add_comment(ticket=t, author=w.contact.user, body="Access granted")
    t.refresh_from_db()
    assert t.status == Status.IN_PROGRESS
    assert t.waiting_reason == ""
    assert t.customer_replied_at == ny(2025, 6, 9, 11)
    resumed = t.events.get(kind=EventKind.RESUMED)
    assert resumed.at == ny(2025, 6, 9, 11)
    assert resumed.actor == w.contact.user
    assert resumed.data["status"] == ["waiting", "in_progress"]
    clock_row = t.clocks.get(metric="resolution")
    assert clock_row.state == ClockState.RUNNING
    # P3 resolution, 16 business hours from Mon 10:00 (Mon 8 h, Tue 8 h: Tue 17:00), plus
    # the paused hour: Tue 18:00.
    assert clock_row.deadline_at == ny(2025, 6, 10, 18)


def test_a_staff_reply_clears_the_customer_replied_mark(w, clock):
    t = _working(w, clock)
    ts.add_comment(ticket=t, author=w.contact.user, body="Any news?")
    assert Ticket.objects.get(pk=t.pk).customer_replied_at == ny(2025, 6, 9, 10)
    ts.add_comment(ticket=t, author=w.agent, body="Internal only", internal=True)
    assert Ticket.objects.get(pk=t.pk).customer_replied_at is not None  # a note is no reply
    ts.add_comment(ticket=t, author=w.agent, body="On it")
    assert Ticket.objects.get(pk=t.pk).customer_replied_at is None


def test_a_customer_reply_on_a_ticket_in_progress_records_no_resume(w, clock):
    t = _working(w, clock)
    ts.add_comment(ticket=t, author=w.contact.user, body="More detail")
    assert not t.events.filter(kind=EventKind.RESUMED).exists()
    assert Ticket.objects.get(pk=t.pk).status == Status.IN_PROGRESS


# ---------------------------------------------------------------- accept or decline a solution


def test_accepting_a_solution_resolves_and_closes_and_tells_the_agent(w, clock):
    t = _working(w, clock)
    ts.assign_ticket(ticket=t, actor=w.agent, assignee=w.agent)
    ts.propose_solution(ticket=t, actor=w.agent, solution="Swap disk 3")
    clock.at(ny(2025, 6, 9, 12))
    t = ts.accept_solution(ticket=t, actor=w.contact.user)
    assert t.status == Status.CLOSED
    assert (t.resolved_at, t.closed_at) == (ny(2025, 6, 9, 12), ny(2025, 6, 9, 12))
    resolved = t.events.get(kind=EventKind.RESOLVED)
    assert resolved.data["resolution"] == "Swap disk 3"
    assert resolved.data["accepted"] is True
    assert t.clocks.get(metric="resolution").state == ClockState.MET
    assert Notification.objects.filter(event="ticket.solution_accepted", user=w.agent).count() == 2


def test_declining_needs_a_reason_and_returns_to_work(w, clock):
    t = _working(w, clock)
    ts.propose_solution(ticket=t, actor=w.agent, solution="Swap disk 3")
    with pytest.raises(DomainValidationError) as exc:
        ts.decline_solution(ticket=t, actor=w.contact.user, reason=" ")
    assert list(exc.value.errors) == ["reason"]
    t = ts.decline_solution(ticket=t, actor=w.contact.user, reason="Still failing")
    assert t.status == Status.IN_PROGRESS
    assert t.customer_replied_at is not None
    assert t.events.get(kind=EventKind.SOLUTION_DECLINED).data["reason"] == "Still failing"


def test_accept_outside_a_proposal_or_by_another_customer_is_refused(w, clock):
    t = _working(w, clock)
    with pytest.raises(TransitionError, match="allowed from: Solution proposed"):
        ts.accept_solution(ticket=t, actor=w.contact.user)
    ts.propose_solution(ticket=t, actor=w.agent, solution="Swap disk 3")
    other = world(code="globex")
    before = TicketEvent.objects.count()
    with pytest.raises(PermissionDenied):
        ts.accept_solution(ticket=t, actor=other.contact.user)
    assert TicketEvent.objects.count() == before
    assert Ticket.objects.get(pk=t.pk).status == Status.SOLUTION_PROPOSED


# ---------------------------------------------------------------- length limits


def test_a_200000_character_comment_is_a_field_error_and_stores_nothing(w, clock):
    t = _working(w, clock)
    events = TicketEvent.objects.count()
    with pytest.raises(DomainValidationError) as exc:
        ts.add_comment(ticket=t, author=w.contact.user, body="x" * 200_000)
    assert exc.value.errors == {"body": ["must be at most 20,000 characters (it has 200,000)"]}
    assert Comment.objects.count() == 0
    assert TicketEvent.objects.count() == events
    ts.add_comment(ticket=t, author=w.contact.user, body="x" * 20_000)  # the limit itself is fine


def test_overlong_subject_description_and_reason_name_their_fields(w, clock):
    with pytest.raises(DomainValidationError) as exc:
        ts.open_ticket(customer=w.customer, subject="s" * 201, description="d" * 20_001)
    assert sorted(exc.value.errors) == ["description", "subject"]
    assert Ticket.objects.count() == 0
    t = _working(w, clock)
    with pytest.raises(DomainValidationError) as exc:
        ts.pause_ticket(ticket=t, actor=w.agent, reason="r" * 301)
    assert list(exc.value.errors) == ["reason"]


def test_the_message_language_is_the_recipients(w):
    """The recipient's own language when it has one, else the site's (settings.LANGUAGE_CODE)."""
    assert language_of(w.contact) == "en"
    w.contact.language = "zh-hans"
    assert language_of(w.contact) == "zh-hans"
