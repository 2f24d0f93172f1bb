"""``receive_message``: every received message, once; tickets, replies, triage, loops, tenancy."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import translation

from servicepact.mail.choices import Outcome
from servicepact.mail.models import InboundMessage
from servicepact.mail.services import add_mail_domain, create_mailbox, receive_message
from servicepact.mail.tests.conftest import mime
from servicepact.notifications.models import Notification
from servicepact.tickets import services as tickets
from servicepact.tickets.choices import Category, Channel, Status
from servicepact.tickets.models import Attachment, Comment, Ticket
from servicepact.tickets.testing import World

pytestmark = pytest.mark.django_db

NEW_MAIL = (
    "From: John Smith <john.smith@acme.example>\r\nTo: support@provider.example\r\n"
    "Subject: Fan noise on acme-srv01\r\nMessage-ID: <new-1@acme.example>\r\n"
    "Date: Tue, 2 Dec 2025 08:00:00 +0000\r\n\r\nThe fan of acme-srv01 is very loud since "
    "this morning.\r\n\r\n-- \r\nJohn\r\n"
)


def receive(raw: bytes | str, mailbox: Any = None):
    return receive_message(raw=raw.encode() if isinstance(raw, str) else raw, mailbox=mailbox)


def opened(world: World, subject: str = "RAID controller error on acme-srv01") -> Ticket:
    return tickets.open_ticket(
        customer=world.customer,
        contact=world.contact,
        subject=subject,
        actor=world.contact.user,
    )


def staff_reply(ticket: Ticket, world: World) -> Notification:
    """A public reply from the desk: its e-mail to the contact is what customers answer."""
    tickets.add_comment(ticket=ticket, author=world.agent, body="Please update the firmware.")
    return Notification.objects.get(ticket_id=ticket.pk, channel="email", audience="customer")


def test_new_mail_from_a_contact_opens_an_email_ticket(acme: World) -> None:
    result = receive(NEW_MAIL)
    ticket = Ticket.objects.get()
    assert result.as_dict() == {"ticket": ticket.pk, "comment": None, "ignored": None}
    assert (ticket.channel, ticket.category, ticket.status) == (
        Channel.EMAIL,
        Category.OTHER,
        Status.NEW,
    )
    assert ticket.customer == acme.customer and ticket.contact == acme.contact
    assert ticket.subject == "Fan noise on acme-srv01"
    assert ticket.description == "The fan of acme-srv01 is very loud since this morning."
    assert ticket.opened_by == acme.contact.user
    row = InboundMessage.objects.get()
    assert (row.outcome, row.ticket, row.contact) == (Outcome.TICKET, ticket, acme.contact)
    assert bytes(row.raw) == NEW_MAIL.encode()


def test_the_sender_hears_the_ticket_number_in_the_thread(acme: World) -> None:
    """An acknowledgement to the sender carries [SP-…] and threads on the ticket's root."""
    receive(NEW_MAIL)
    ticket = Ticket.objects.get()
    ack = Notification.objects.get(event="ticket.opened_by_email")
    assert ack.recipient == "john.smith@acme.example"
    assert ack.subject == f"[{ticket.number}] We received your request: Fan noise on acme-srv01"
    assert ack.ticket_id == ticket.pk and ack.audience == "customer"


@pytest.mark.parametrize(
    ("sample", "text"),
    [
        (
            "outlook_reply.eml",
            "Hello,\n\nthe controller still reports the error after the firmware update. "
            "The log from this\nmorning is attached.",
        ),
        (
            "gmail_reply.eml",
            "The disk was replaced, the array is rebuilding. Thanks for the quick dispatch!"
            "\n\nMaria",
        ),
        (
            "thunderbird_reply.eml",
            "The job ran with the new credentials last night and finished without errors.",
        ),
        ("apple_mail_reply.eml", "Thanks, the server is back online."),
    ],
)
def test_a_reply_from_a_mail_client_becomes_a_public_reply(
    acme: World, sample: str, text: str
) -> None:
    ticket = opened(acme)
    note = staff_reply(ticket, acme)
    result = receive(mime(sample, ticket=ticket, notification=note.pk))
    comment = Comment.objects.get(ticket=ticket, body=text)
    assert result.as_dict() == {"ticket": ticket.pk, "comment": comment.pk, "ignored": None}
    assert comment.is_internal is False
    assert Ticket.objects.count() == 1
    ticket.refresh_from_db()
    assert ticket.customer_replied_at is not None  # the queue's "customer replied" mark


def test_a_contact_without_portal_account_replies_as_the_customer(acme: World) -> None:
    """Maria has no user: her reply is still the customer's (agents hear of it, she does not
    get her own words back as a "desk replied" e-mail)."""
    ticket = opened(acme)
    tickets.assign_ticket(ticket=ticket, actor=acme.agent, assignee=acme.agent)
    note = staff_reply(ticket, acme)
    before = Notification.objects.filter(recipient="maria.garcia@acme.example").count()
    receive(mime("gmail_reply.eml", ticket=ticket, notification=note.pk))
    comment = Comment.objects.get(ticket=ticket, author__isnull=True)
    assert comment.body.startswith("The disk was replaced")
    assert comment.contact is not None
    assert comment.contact.email == "maria.garcia@acme.example"
    assert Notification.objects.filter(recipient="maria.garcia@acme.example").count() == before
    assert Notification.objects.filter(event="ticket.customer_reply", user=acme.agent).exists()


def test_outlook_reply_brings_its_log_file(acme: World) -> None:
    ticket = opened(acme)
    note = staff_reply(ticket, acme)
    result = receive(mime("outlook_reply.eml", ticket=ticket, notification=note.pk))
    attachment = Attachment.objects.get()
    assert (attachment.ticket_id, attachment.comment_id) == (ticket.pk, result.message.comment_id)
    assert (attachment.name, attachment.content_type, attachment.is_internal) == (
        "controller.log",
        "text/plain",
        False,
    )
    assert attachment.file.read().startswith(b"2025-12-02T07:58:11Z megaraid_sas")


def test_the_subject_tag_alone_threads_a_reply(acme: World) -> None:
    ticket = opened(acme)
    raw = NEW_MAIL.replace("Subject: Fan noise on acme-srv01", f"Subject: Re: [{ticket.number}] x")
    result = receive(raw)
    assert result.message.outcome == Outcome.COMMENT
    assert Comment.objects.get().ticket == ticket


def test_a_reply_to_an_earlier_inbound_message_threads(acme: World) -> None:
    """A colleague answering the customer's first mail (References: its Message-ID)."""
    receive(NEW_MAIL)
    ticket = Ticket.objects.get()
    reply = NEW_MAIL.replace("<new-1@acme.example>", "<new-2@acme.example>").replace(
        "Date:", "In-Reply-To: <new-1@acme.example>\r\nDate:"
    )
    result = receive(reply)
    assert result.as_dict()["ticket"] == ticket.pk and result.message.comment_id is not None


def test_chinese_reply_in_gbk(globex: World) -> None:
    ticket = opened(globex, subject="服务器无法启动")
    note = staff_reply(ticket, globex)
    receive(mime("gb2312_chinese.eml", ticket=ticket, notification=note.pk))
    comment = Comment.objects.get(ticket=ticket, author=globex.contact.user)
    assert comment.body.startswith("您好，\n\n服务器按照建议重启后，问题依旧，RAID卡仍然报错。")
    assert "发件人" not in comment.body


# ---------------------------------------------------------------- tenancy


def test_a_subject_naming_another_customers_ticket_opens_a_new_one(
    acme: World, globex: World
) -> None:
    """John (Acme) writes "[SP-… of Globex]": Globex's ticket gets nothing; Acme gets a ticket."""
    theirs = opened(globex, subject="Globex outage")
    raw = NEW_MAIL.replace("Subject: Fan noise on acme-srv01", f"Subject: Re: [{theirs.number}] hi")
    result = receive(raw)
    assert theirs.comments.count() == 0
    mine = Ticket.objects.get(pk=result.as_dict()["ticket"])
    assert mine.customer == acme.customer and mine.subject == "hi"
    assert result.message.reason == f"referred to {theirs.number} of another customer: not used"
    with translation.override("zh-hans"):
        assert result.message.reason_text == f"引用了其他客户的工单 {theirs.number}：未采用"


def test_references_to_another_customers_ticket_are_not_followed(
    acme: World, globex: World
) -> None:
    theirs = opened(globex, subject="Globex outage")
    note = staff_reply(theirs, globex)
    result = receive(mime("gmail_reply.eml", ticket=theirs, notification=note.pk))
    assert theirs.comments.filter(author__isnull=True).count() == 0
    assert Ticket.objects.get(pk=result.as_dict()["ticket"]).customer == acme.customer


def test_a_reply_to_a_closed_ticket_opens_a_new_one(acme: World) -> None:
    ticket = opened(acme)
    tickets.acknowledge_ticket(ticket=ticket, actor=acme.agent)
    tickets.resolve_ticket(ticket=ticket, actor=acme.agent, resolution="done")
    tickets.close_ticket(ticket=ticket, actor=acme.agent)
    raw = NEW_MAIL.replace(
        "Subject: Fan noise on acme-srv01", f"Subject: Re: [{ticket.number}] again"
    )
    result = receive(raw)
    assert result.message.outcome == Outcome.TICKET
    assert result.as_dict()["ticket"] != ticket.pk
    assert result.message.reason == f"answered {ticket.number}, which is closed: a new ticket"
    with translation.override("zh-hans"):
        assert result.message.reason_text == f"回复的工单 {ticket.number} 已关闭：新建工单"


# ---------------------------------------------------------------- who sent it


def test_unknown_sender_of_a_customer_domain_is_matched_to_the_customer(acme: World) -> None:
    add_mail_domain(customer=acme.customer, domain="acme.example")
    result = receive(mime("html_only.eml"))
    ticket = Ticket.objects.get(pk=result.as_dict()["ticket"])
    assert ticket.customer == acme.customer
    assert ticket.description.startswith("Hi,\n\nsince 06:00 the RAID controller")
    # Tom becomes a contact (no portal account, no statements); his next mail finds him.
    tom = ticket.contact
    assert tom is not None
    assert (tom.name, tom.email, tom.user, tom.receives_statements) == (
        "Tom Baker",
        "tom.baker@acme.example",
        None,
        False,
    )
    follow_up = mime("html_only.eml").replace(b"<20251202111244", b"<20251202111999")
    follow_up = follow_up.replace(b"Subject: RAID degraded", f"Subject: [{ticket.number}]".encode())
    comment = Comment.objects.get(pk=receive(follow_up).message.comment_id)
    assert (comment.ticket, comment.contact, comment.author) == (ticket, tom, None)


def test_unknown_sender_is_kept_for_triage(acme: World) -> None:
    result = receive(mime("html_only.eml"))
    assert result.as_dict() == {
        "ticket": None,
        "comment": None,
        "ignored": "triage: unknown sender tom.baker@acme.example: no contact and no customer domain",
    }
    assert Ticket.objects.count() == 0
    assert InboundMessage.objects.get().outcome == Outcome.TRIAGE


def test_a_customer_mailbox_matches_only_its_customer(acme: World, globex: World) -> None:
    """Wang (Globex) writing to Acme's own support address is not Acme's: triage."""
    box, _token = create_mailbox(
        name="acme", address="acme-support@provider.example", customer=acme.customer
    )
    raw = NEW_MAIL.replace("john.smith@acme.example", "wang.zhe@globex.example")
    assert receive(raw, mailbox=box).message.outcome == Outcome.TRIAGE
    assert Ticket.objects.count() == 0


# ---------------------------------------------------------------- never a ticket


@pytest.mark.parametrize(
    ("sample", "reason"),
    [
        ("out_of_office.eml", "ignored: auto-submitted (auto-generated)"),
        ("dsn_bounce.eml", "ignored: auto-submitted (auto-replied)"),
    ],
)
def test_auto_replies_and_bounces_open_nothing(acme: World, sample: str, reason: str) -> None:
    ticket = opened(acme)
    note = staff_reply(ticket, acme)
    comments = Comment.objects.count()
    result = receive(mime(sample, ticket=ticket, notification=note.pk))
    assert result.as_dict() == {"ticket": None, "comment": None, "ignored": reason}
    with translation.override("zh-hans"):  # the API's ``ignored`` stays English; pages translate
        assert result.message.reason_text.startswith("自动发送（auto-")
    assert (Ticket.objects.count(), Comment.objects.count()) == (1, comments)


def test_our_own_notification_coming_back_opens_nothing(acme: World) -> None:
    ticket = opened(acme)
    note = staff_reply(ticket, acme)
    from servicepact.notifications.email import build_email

    raw = build_email(note).message().as_bytes()
    result = receive(raw)
    assert result.ignored == "ignored: loop: one of our own messages"
    with translation.override("zh-hans"):
        assert result.message.reason_text == "循环：本系统自己发出的邮件"
    assert Ticket.objects.count() == 1


# ---------------------------------------------------------------- exactly once, never lost


def test_the_same_message_twice_is_processed_once(acme: World) -> None:
    first = receive(NEW_MAIL)
    second = receive(NEW_MAIL)
    assert Ticket.objects.count() == 1 and InboundMessage.objects.count() == 1
    assert second.as_dict()["ticket"] == first.as_dict()["ticket"]
    assert second.ignored is not None and second.ignored.startswith("duplicate: already received")


def test_without_message_id_the_bytes_decide(acme: World) -> None:
    raw = NEW_MAIL.replace("Message-ID: <new-1@acme.example>\r\n", "")
    receive(raw)
    receive(raw)
    receive(raw.replace("very loud", "louder"))
    assert Ticket.objects.count() == 2


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"\x00\xff\xfe binary junk", "failed: unparseable: no header fields"),
        (b"Subject: hi\r\n\r\nno sender\r\n", "failed: unparseable: no sender address in From"),
    ],
)
def test_a_message_that_cannot_be_read_is_kept_with_the_reason(
    acme: World, raw: bytes, reason: str
) -> None:
    result = receive(raw)
    assert result.ignored is not None and result.ignored.startswith(reason)
    row = InboundMessage.objects.get()
    assert row.outcome == Outcome.FAILED and bytes(row.raw) == raw
    assert Ticket.objects.count() == 0


def test_an_attachment_over_the_limit_is_left_out_and_named(acme: World, settings: Any) -> None:
    settings.SERVICEPACT = {**settings.SERVICEPACT, "ATTACHMENT_MAX_BYTES": 100}
    ticket = opened(acme)
    note = staff_reply(ticket, acme)
    result = receive(mime("outlook_reply.eml", ticket=ticket, notification=note.pk))
    assert result.message.outcome == Outcome.COMMENT
    assert Attachment.objects.count() == 0
    assert result.message.reason == "controller.log (143 bytes) is over the attachment limit"
    with translation.override("zh-hans"):
        assert result.message.reason_text == "controller.log（143 字节）超过附件大小上限"
