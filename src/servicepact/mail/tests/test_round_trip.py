"""Replies by e-mail: a desk reply reaches the contact through a real SMTP server (aiosmtpd)
threaded on the ticket, and the contact's answer from the mail client comes back as a reply."""

from __future__ import annotations

from email import policy
from email.message import EmailMessage
from typing import Any

import pytest

from servicepact.mail.services import receive_message
from servicepact.notifications.delivery import deliver_due
from servicepact.notifications.tests.conftest import smtp_server  # noqa: F401  (fixture)
from servicepact.tickets import services as tickets
from servicepact.tickets.models import Comment
from servicepact.tickets.testing import World

pytestmark = pytest.mark.django_db


def answer(sent: Any, text: str) -> bytes:
    """What a mail client sends when the contact presses Reply and types ``text``."""
    reply = EmailMessage(policy=policy.SMTP)
    reply["From"] = "John Smith <john.smith@acme.example>"
    reply["To"] = sent["Reply-To"] or sent["From"]
    reply["Subject"] = "Re: " + sent["Subject"]
    reply["Message-ID"] = "<reply-1@acme.example>"
    reply["In-Reply-To"] = sent["Message-ID"]
    reply["References"] = f"{sent['References']} {sent['Message-ID']}"
    quoted = "\n".join("> " + line for line in sent.get_body(("plain",)).get_content().splitlines())
    reply.set_content(f"{text}\n\nOn Tue, Dec 2, 2025 at 9:00 AM ServicePact wrote:\n{quoted}\n")
    return reply.as_bytes()


def test_a_desk_reply_and_the_answer_by_mail(acme: World, smtp_server: Any, settings: Any) -> None:  # noqa: F811
    settings.SERVICEPACT = {**settings.SERVICEPACT, "MAIL_REPLY_TO": "support@provider.example"}
    ticket = tickets.open_ticket(customer=acme.customer, contact=acme.contact, subject="RAID")
    tickets.add_comment(
        ticket=ticket, author=acme.agent, body="Internal: check stock", internal=True
    )
    tickets.add_comment(ticket=ticket, author=acme.agent, body="Please update the firmware.")
    deliver_due()
    [sent] = [m for m in smtp_server.messages() if m["To"] == "john.smith@acme.example"]
    assert sent["In-Reply-To"] == f"<ticket-{ticket.pk}@provider.example>"
    assert sent["References"] == f"<ticket-{ticket.pk}@provider.example>"
    assert sent["Reply-To"] == "support@provider.example"
    assert sent["Subject"] == f"[{ticket.number}] New reply: RAID"
    body = sent.get_body(("plain",)).get_content()
    assert "Please update the firmware." in body and "check stock" not in body

    result = receive_message(raw=answer(sent, "Updated, the error is gone."), mailbox=None)
    assert result.message.comment_id is not None
    comment = Comment.objects.get(pk=result.message.comment_id)
    assert (comment.ticket_id, comment.body, comment.is_internal) == (
        ticket.pk,
        "Updated, the error is gone.",
        False,
    )
    assert comment.author == acme.contact.user


def test_staff_e_mail_has_no_reply_to(acme: World, smtp_server: Any, settings: Any) -> None:  # noqa: F811
    """Agents answer on the desk: only customer e-mails point at the support mailbox."""
    settings.SERVICEPACT = {**settings.SERVICEPACT, "MAIL_REPLY_TO": "support@provider.example"}
    acme.agent.email = "agent@provider.example"
    acme.agent.save()
    ticket = tickets.open_ticket(customer=acme.customer, contact=acme.contact, subject="RAID")
    tickets.assign_ticket(ticket=ticket, actor=acme.agent, assignee=acme.agent)
    tickets.add_comment(ticket=ticket, author=acme.contact.user, body="Any news?")
    deliver_due()
    [to_agent] = [m for m in smtp_server.messages() if m["To"] == "agent@provider.example"]
    assert to_agent["Reply-To"] is None
