"""The acknowledgement of a ticket opened by e-mail threads on the customer's own message
(issue 14 section 2): through a real SMTP receiver, its In-Reply-To is the customer's
Message-ID and its References end with it (after the ticket's root and the customer's own
references), so the customer's mail client shows it under what they sent."""

from __future__ import annotations

from typing import Any

import pytest

from servicepact.mail.services import receive_message
from servicepact.notifications.delivery import deliver_due
from servicepact.notifications.email import headers
from servicepact.notifications.models import Notification
from servicepact.notifications.tests.conftest import smtp_server  # noqa: F401  (fixture)
from servicepact.tickets.models import Ticket
from servicepact.tickets.testing import World

pytestmark = pytest.mark.django_db

NEW_MAIL = (
    "From: John Smith <john.smith@acme.example>\r\nTo: support@provider.example\r\n"
    "Subject: Fan noise on acme-srv01\r\nMessage-ID: <new-1@acme.example>\r\n"
    "References: <earlier-1@acme.example>\r\n"
    "Date: Tue, 2 Dec 2025 08:00:00 +0000\r\n\r\nThe fan of acme-srv01 is very loud.\r\n"
)


def test_the_acknowledgement_answers_the_customers_message(acme: World, smtp_server: Any) -> None:  # noqa: F811
    receive_message(raw=NEW_MAIL.encode(), mailbox=None)
    ticket = Ticket.objects.get()
    deliver_due()
    [sent] = [m for m in smtp_server.messages() if m["To"] == "john.smith@acme.example"]
    assert sent["In-Reply-To"] == "<new-1@acme.example>"
    assert sent["References"] == (
        f"<ticket-{ticket.pk}@provider.example> <earlier-1@acme.example> <new-1@acme.example>"
    )
    assert sent["Message-ID"].startswith("<notification-")


def test_other_ticket_mail_keeps_the_tickets_root(acme: World) -> None:
    """Without a message to answer (a desk reply), the thread is the ticket's root alone."""
    receive_message(raw=NEW_MAIL.encode(), mailbox=None)
    ticket = Ticket.objects.get()
    row = Notification.objects.get(event="ticket.opened_by_email")
    row.payload = {"ticket": {"id": ticket.pk}}
    assert headers(row)["In-Reply-To"] == f"<ticket-{ticket.pk}@provider.example>"
    # An id that could break the header line is never copied into it.
    row.payload = {"reply_to": "<a@b>\r\nBcc: x@evil.example"}
    assert headers(row)["In-Reply-To"] == f"<ticket-{ticket.pk}@provider.example>"
