"""IMAP polling against a real Dovecot: UIDs, flags, exactly once, the worker's step, the CLI."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from servicepact.mail.choices import ImapSecurity, Outcome
from servicepact.mail.imap import fetch_mailbox
from servicepact.mail.models import InboundMessage, Mailbox
from servicepact.mail.services import create_mailbox
from servicepact.mail.tests.conftest import Imap, mime
from servicepact.tickets import services as tickets
from servicepact.tickets.models import Comment, Ticket
from servicepact.tickets.testing import World

pytestmark = pytest.mark.django_db

NEW = (
    "From: John Smith <john.smith@acme.example>\r\nTo: support@provider.example\r\n"
    "Subject: {subject}\r\nMessage-ID: <{mid}@acme.example>\r\n\r\n{subject}: please look.\r\n"
)


def new_mail(n: int) -> bytes:
    return NEW.format(subject=f"Request {n}", mid=f"req-{n}").encode()


def mailbox_for(imap: Imap, **extra: Any) -> Mailbox:
    box, _token = create_mailbox(
        name=imap.user,
        address=f"{imap.user}@provider.example",
        imap_host="127.0.0.1",
        imap_port=imap.port,
        imap_security=ImapSecurity.NONE,
        imap_user=imap.user,
        imap_password_env="SP_TEST_IMAP_PASSWORD",
        **extra,
    )
    return box


def test_new_messages_become_tickets_once_and_are_flagged(acme: World, imap: Imap) -> None:
    imap.append(new_mail(1))
    imap.append(new_mail(2))
    box = mailbox_for(imap)
    report = fetch_mailbox(box)
    assert (report.messages, report.tickets, report.errors) == (2, 2, 0)
    assert sorted(Ticket.objects.values_list("subject", flat=True)) == ["Request 1", "Request 2"]
    box.refresh_from_db()
    assert box.last_uid == 2 and box.uidvalidity is not None and box.last_error == ""
    assert all("\\Seen" in f and "$ServicePact" in f for f in imap.flags().values())
    # Nothing new: nothing fetched, nothing created.
    assert fetch_mailbox(box).messages == 0
    imap.append(new_mail(3))
    assert fetch_mailbox(box).tickets == 1
    assert Ticket.objects.count() == 3


def test_a_message_seen_again_under_a_new_uid_is_a_duplicate(acme: World, imap: Imap) -> None:
    """A user copies a processed message back into the inbox (a new UID): nothing twice."""
    box = mailbox_for(imap)
    imap.append(new_mail(1))
    fetch_mailbox(box)
    imap.append(new_mail(1))
    report = fetch_mailbox(box)
    assert (report.messages, report.tickets, report.other) == (1, 0, 1)
    assert Ticket.objects.count() == 1 and InboundMessage.objects.count() == 1


def test_a_recreated_folder_starts_again_without_duplicates(acme: World, imap: Imap) -> None:
    box = mailbox_for(imap)
    imap.append(new_mail(1))
    fetch_mailbox(box)
    Mailbox.objects.filter(pk=box.pk).update(uidvalidity=1)  # as if the folder was recreated
    box.refresh_from_db()
    imap.append(new_mail(2))
    report = fetch_mailbox(box)
    assert (report.messages, report.tickets, report.other) == (2, 1, 1)
    assert Ticket.objects.count() == 2


def test_replies_and_bounces_through_imap(acme: World, imap: Imap) -> None:
    ticket = tickets.open_ticket(customer=acme.customer, contact=acme.contact, subject="RAID")
    tickets.add_comment(ticket=ticket, author=acme.agent, body="Update the firmware.")
    from servicepact.notifications.models import Notification

    note = Notification.objects.get(ticket_id=ticket.pk, channel="email")
    imap.append(mime("outlook_reply.eml", ticket=ticket, notification=note.pk))
    imap.append(mime("dsn_bounce.eml", ticket=ticket, notification=note.pk))
    imap.append(mime("out_of_office.eml", ticket=ticket, notification=note.pk))
    report = fetch_mailbox(mailbox_for(imap))
    assert (report.messages, report.comments, report.other) == (3, 1, 2)
    assert Comment.objects.filter(ticket=ticket, author=acme.contact.user).count() == 1
    assert sorted(InboundMessage.objects.values_list("outcome", flat=True)) == [
        Outcome.COMMENT,
        Outcome.IGNORED,
        Outcome.IGNORED,
    ]


def test_a_wrong_password_is_recorded_on_the_mailbox(
    acme: Any, imap: Imap, monkeypatch: Any
) -> None:
    monkeypatch.setenv("SP_TEST_IMAP_PASSWORD", "wrong")
    box = mailbox_for(imap)
    imap.append(new_mail(1))
    report = fetch_mailbox(box)
    assert report.errors == 1 and report.messages == 0
    box.refresh_from_db()
    assert box.last_error.startswith("ImapError: LOGIN:")
    assert Ticket.objects.count() == 0


def test_mail_fetch_once(acme: World, imap: Imap) -> None:
    mailbox_for(imap)
    imap.append(new_mail(1))
    out = io.StringIO()
    call_command("mail", "fetch", "--once", stdout=out)
    assert out.getvalue().strip() == ("mailboxes=1 messages=1 tickets=1 replies=0 other=0 errors=0")
    assert Ticket.objects.get().subject == "Request 1"


def test_mail_fetch_once_fails_when_a_mailbox_fails(
    acme: Any, imap: Imap, monkeypatch: Any
) -> None:
    monkeypatch.setenv("SP_TEST_IMAP_PASSWORD", "wrong")
    mailbox_for(imap)
    with pytest.raises(CommandError, match="1 mailbox"):
        call_command("mail", "fetch", "--once", stdout=io.StringIO())
