"""Who hears of which step of a ticket's conversation: the one rule, called by the services.

| step (``Step``)                        | who is told                                               |
|----------------------------------------|-----------------------------------------------------------|
| staff public reply                     | the ticket's contact                                      |
| waiting on the customer (a question)   | the ticket's contact                                      |
| solution proposed                      | the ticket's contact                                      |
| resolved                               | the ticket's contact                                      |
| customer reply, reopen, accept, decline| the agent: assignee, else the team, else the contract's   |
|                                        | service manager                                           |
| maintenance request (change to approve)| the customer's approving contacts (portal users)          |
| internal note, anything else           | nobody                                                    |

Everything goes through the outbox (``notifications.services``) inside the caller's transaction,
keyed by the ticket event (or change) so a re-run enqueues nothing twice. Each message is
rendered in its recipient's language. Customer-facing steps also reach the customer's webhooks.
Conversation messages go out at once (a person answered; unlike escalation reminders they are
not held back until the contract's calendar opens).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.db.models import TextChoices
from django.utils import translation
from django.utils.translation import gettext as _

from servicepact.core.config import option
from servicepact.core.time import format_instant
from servicepact.customers.models import Contact, Customer
from servicepact.notifications import language_for, language_relations
from servicepact.notifications.choices import Audience
from servicepact.notifications.services import (
    Message,
    notify_email,
    notify_user,
    notify_webhooks,
)
from servicepact.tickets.models import Ticket, TicketEvent
from servicepact.tickets.survey_link import survey_path


class Step(TextChoices):
    STAFF_REPLY = "staff_reply"
    WAITING = "waiting"
    SOLUTION_PROPOSED = "solution_proposed"
    RESOLVED = "resolved"
    CUSTOMER_REPLY = "customer_reply"
    CUSTOMER_REOPENED = "customer_reopened"
    SOLUTION_ACCEPTED = "solution_accepted"
    SOLUTION_DECLINED = "solution_declined"


TO_CUSTOMER = frozenset({Step.STAFF_REPLY, Step.WAITING, Step.SOLUTION_PROPOSED, Step.RESOLVED})
TO_AGENT = frozenset(
    {
        Step.CUSTOMER_REPLY,
        Step.CUSTOMER_REOPENED,
        Step.SOLUTION_ACCEPTED,
        Step.SOLUTION_DECLINED,
    }
)


def language_of(recipient: Any) -> str:
    """The recipient's language: ``notifications.language_for`` (the one place that knows)."""
    return language_for(recipient)


@contextmanager
def _in_language(recipient: Any) -> Iterator[None]:
    with translation.override(language_of(recipient)):
        yield


def _site_url(path: str) -> str:
    return str(option("SITE_URL", "")).rstrip("/") + path


# ---------------------------------------------------------------- messages


def _subject(ticket: Ticket, step: str, subject: str) -> str:
    values = {"number": ticket.number, "subject": subject}
    subjects: dict[str, Callable[[], str]] = {
        Step.STAFF_REPLY: lambda: _("[%(number)s] New reply: %(subject)s"),
        Step.WAITING: lambda: _("[%(number)s] We are waiting for you: %(subject)s"),
        Step.SOLUTION_PROPOSED: lambda: _("[%(number)s] Solution proposed: %(subject)s"),
        Step.RESOLVED: lambda: _("[%(number)s] Resolved: %(subject)s"),
        Step.CUSTOMER_REPLY: lambda: _("[%(number)s] The customer replied: %(subject)s"),
        Step.CUSTOMER_REOPENED: lambda: _("[%(number)s] Reopened by the customer: %(subject)s"),
        Step.SOLUTION_ACCEPTED: lambda: _("[%(number)s] Solution accepted: %(subject)s"),
        Step.SOLUTION_DECLINED: lambda: _("[%(number)s] Solution declined: %(subject)s"),
    }
    return subjects[step]() % values


def _lead(step: str) -> str:
    leads: dict[str, Callable[[], str]] = {
        Step.STAFF_REPLY: lambda: _("The service desk replied:"),
        Step.WAITING: lambda: _(
            "We need something from you before we can continue "
            "(the restore and resolution clocks are paused until you reply):"
        ),
        Step.SOLUTION_PROPOSED: lambda: _(
            "We propose this solution. Please accept or decline it in the portal:"
        ),
        Step.RESOLVED: lambda: _(
            "We resolved the ticket. Please confirm in the portal, or reopen it:"
        ),
        Step.CUSTOMER_REPLY: lambda: _("The customer wrote:"),
        Step.CUSTOMER_REOPENED: lambda: _("The customer reopened the ticket:"),
        Step.SOLUTION_ACCEPTED: lambda: _(
            "The customer accepted the proposed solution; the ticket is closed."
        ),
        Step.SOLUTION_DECLINED: lambda: _("The customer declined the proposed solution:"),
    }
    return leads[step]()


def _survey_invitation(ticket: Ticket, step: str, event_id: int | None) -> str:
    """The resolution e-mail's signed, single-use survey link (``tickets.survey_link``)."""
    if step != Step.RESOLVED or event_id is None:
        return ""
    link = _site_url(survey_path(ticket_id=ticket.pk, event_id=event_id))
    return _(
        "How satisfied are you with how we handled this ticket? Tell us (one click): %(link)s"
    ) % {"link": link}


def build_message(
    ticket: Ticket, step: str, text: str, *, for_customer: bool, event_id: int | None = None
) -> Message:
    """The message of a step, in the active language (callers wrap it in the recipient's);
    a customer's resolution message carries the survey link of the event ``event_id``."""
    path = f"/portal/tickets/{ticket.pk}/" if for_customer else ticket.get_absolute_url()
    subject = ticket.customer_subject if for_customer else ticket.subject
    survey = _survey_invitation(ticket, step, event_id) if for_customer else ""
    parts = (_lead(step), text.strip(), _site_url(path), survey)
    body = "\n\n".join(part for part in parts if part)
    return Message(
        event=f"ticket.{step}",
        subject=_subject(ticket, step, subject),
        body=body,
        payload={
            "ticket": {
                "id": ticket.pk,
                "number": ticket.number,
                "subject": subject,
                "status": ticket.status,
            },
            "step": str(step),
            "text": text.strip(),
        },
        ticket_id=ticket.pk,
        contract_id=ticket.contract_id,
    )


# ---------------------------------------------------------------- recipients


def contact_address(contact: Contact | None) -> str:
    if contact is None:
        return ""
    return contact.email or (contact.user.email if contact.user_id and contact.user else "")


def approving_contacts(customer: Customer) -> list[Contact]:
    """Contacts who can approve a change: the customer's contacts with a portal account."""
    contacts = Contact.objects.filter(customer=customer, user__isnull=False, user__is_active=True)
    return list(contacts.select_related("user").order_by("pk"))


def agents_for(ticket: Ticket) -> tuple[list[Any], str]:
    """The staff who own the ticket now: its assignee, else its team, else the service manager.

    Returns the users and the team's shared address (only when the team is the owner).
    """
    if ticket.assignee is not None and ticket.assignee.is_active:
        return [ticket.assignee], ""
    if ticket.team is not None:
        members = list(
            ticket.team.members.filter(is_active=True)
            .select_related(*language_relations(""))
            .order_by("pk")
        )
        return members, ticket.team.email
    manager = ticket.contract.service_manager if ticket.contract is not None else None
    return ([manager] if manager is not None else []), ""


# ---------------------------------------------------------------- the entry point


def notify_step(*, ticket: Ticket, step: str, event: TicketEvent, text: str = "") -> int:
    """Enqueues the step's notifications; returns how many outbox rows it wrote (or found)."""
    key = f"conv:{ticket.pk}:{event.pk}"
    if step in TO_CUSTOMER:
        return _tell_customer(ticket, step, text, key, event.pk)
    if step in TO_AGENT:
        return _tell_agents(ticket, step, text, key)
    return 0


def _tell_customer(ticket: Ticket, step: str, text: str, key: str, event_id: int) -> int:
    contact = ticket.contact
    with _in_language(contact):  # the site's language when the ticket has no contact
        message = build_message(ticket, step, text, for_customer=True, event_id=event_id)
    address = contact_address(contact)
    rows = 0
    if address:
        rows += bool(
            notify_email(
                key=key,
                address=address,
                message=message,
                audience=Audience.CUSTOMER,
                language=language_of(contact),
            )
        )
    rows += len(notify_webhooks(key=key, message=message, customer_id=ticket.customer_id))
    return rows


def _tell_agents(ticket: Ticket, step: str, text: str, key: str) -> int:
    users, team_address = agents_for(ticket)
    rows = 0
    if team_address:
        with translation.override(settings.LANGUAGE_CODE):
            message = build_message(ticket, step, text, for_customer=False)
        rows += bool(notify_email(key=f"{key}:team", address=team_address, message=message))
    for user in users:
        with _in_language(user):
            message = build_message(ticket, step, text, for_customer=False)
        rows += len(notify_user(key=key, user=user, message=message, email=not team_address))
    return rows


def notify_change_requested(*, change: Any) -> int:
    """A maintenance window awaits the customer's approval: tell every approving contact.

    ``change`` is a ``changes.Change`` (that app sits above this one, so it is not imported).
    """
    rows = 0
    for contact in approving_contacts(change.customer):
        address = contact_address(contact)
        if not address:
            continue
        with _in_language(contact):
            message = _change_message(change, contact.local_timezone)
        rows += bool(
            notify_email(
                key=f"change:{change.pk}:requested:contact:{contact.pk}",
                address=address,
                message=message,
                audience=Audience.CUSTOMER,
                language=language_of(contact),
            )
        )
    return rows


def _change_message(change: Any, zone: str) -> Message:
    values = {
        "number": change.number,
        "title": change.title,
        "start": format_instant(change.planned_start, zone),
        "end": format_instant(change.planned_end, zone),
    }
    parts = [
        _(
            "We ask for your approval of a maintenance window: %(title)s, "
            "from %(start)s to %(end)s. Downtime inside an approved window counts as planned."
        )
        % values,
        change.description.strip(),
        _site_url(f"/portal/changes/{change.pk}/"),
    ]
    body = "\n\n".join(part for part in parts if part)
    return Message(
        event="change.requested",
        subject=_("[%(number)s] Maintenance window awaiting your approval: %(title)s") % values,
        body=body,
        payload={"change": {"id": change.pk, "number": change.number, "title": change.title}},
    )
