"""The desk's inbound e-mail triage page: unknown senders become tickets or are dismissed."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.utils import translation

from servicepact.mail.choices import Outcome
from servicepact.mail.models import InboundMessage
from servicepact.mail.services import receive_message
from servicepact.tickets.choices import Channel
from servicepact.tickets.models import Ticket
from servicepact.tickets.testing import World

pytestmark = pytest.mark.django_db

UNKNOWN = (
    b"From: Stranger <someone@unknown.example>\r\nSubject: Our server is down\r\n"
    b"Message-ID: <s-1@unknown.example>\r\n\r\nPlease help, srv01 is down.\r\n"
)


@pytest.fixture
def waiting(db: Any) -> InboundMessage:
    return receive_message(raw=UNKNOWN, mailbox=None).message


def test_the_page_lists_waiting_mail(agent_client: Client, waiting: InboundMessage) -> None:
    broken = receive_message(raw=b"\x00 not mail", mailbox=None).message
    page = agent_client.get("/desk/mail/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Our server is down" in html and "someone@unknown.example" in html
    assert "unparseable: no header fields" in html
    assert f'action="/desk/mail/{waiting.pk}/open/"' in html
    assert f'action="/desk/mail/{broken.pk}/open/"' not in html  # nothing to open from junk


def test_staff_open_a_ticket_for_the_chosen_customer(
    agent_client: Client, acme: World, waiting: InboundMessage
) -> None:
    response = agent_client.post(f"/desk/mail/{waiting.pk}/open/", {"customer": acme.customer.pk})
    ticket = Ticket.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/desk/tickets/{ticket.pk}/"
    assert (ticket.customer, ticket.channel, ticket.subject) == (
        acme.customer,
        Channel.EMAIL,
        "Our server is down",
    )
    assert ticket.description == "Please help, srv01 is down."
    waiting.refresh_from_db()
    assert (waiting.outcome, waiting.ticket) == (Outcome.TICKET, ticket)
    # Twice is refused: the e-mail is no longer waiting.
    again = agent_client.post(f"/desk/mail/{waiting.pk}/open/", {"customer": acme.customer.pk})
    assert again.status_code == 409 and Ticket.objects.count() == 1


def test_no_customer_chosen_is_a_field_error(agent_client: Client, waiting: InboundMessage) -> None:
    response = agent_client.post(f"/desk/mail/{waiting.pk}/open/", {"customer": ""})
    assert response.status_code == 422 and Ticket.objects.count() == 0


def test_dismiss(agent_client: Client, waiting: InboundMessage) -> None:
    response = agent_client.post(f"/desk/mail/{waiting.pk}/dismiss/")
    assert response.status_code == 302
    waiting.refresh_from_db()
    assert waiting.outcome == Outcome.RESOLVED and waiting.reason == "dismissed by acme-agent"
    assert "Our server is down" not in agent_client.get("/desk/mail/").content.decode()


def test_raw_download(agent_client: Client, waiting: InboundMessage) -> None:
    response = agent_client.get(f"/desk/mail/{waiting.pk}/raw/")
    assert response.content == UNKNOWN
    assert response["Content-Disposition"] == f'attachment; filename="message-{waiting.pk}.eml"'
    assert response["X-Content-Type-Options"] == "nosniff"


def test_contacts_never_see_it(contact_client: Client, waiting: InboundMessage) -> None:
    for url in ("/desk/mail/", f"/desk/mail/{waiting.pk}/raw/"):
        assert contact_client.get(url).status_code == 404


def test_desk_comment_with_a_file_and_an_email_reply_shows_its_writer(
    agent_client: Client, acme: World
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from servicepact.customers.models import Contact
    from servicepact.tickets import services
    from servicepact.tickets.models import Attachment

    ticket = services.open_ticket(customer=acme.customer, contact=acme.contact, subject="Disk")
    response = agent_client.post(
        f"/desk/tickets/{ticket.pk}/actions/comment/",
        {
            "comment-body": "Firmware attached",
            "comment-internal": "on",
            "comment-file": SimpleUploadedFile("fw.bin", b"\x7fELF", "application/octet-stream"),
        },
    )
    assert response.status_code == 302
    row = Attachment.objects.get()
    assert row.comment is not None
    assert row.is_internal is True and row.comment.body == "Firmware attached"
    maria = Contact.objects.create(
        customer=acme.customer, name="Maria Garcia", email="m@acme.example"
    )
    services.add_comment(ticket=ticket, author=None, body="Thanks", contact=maria)
    page = agent_client.get(f"/desk/tickets/{ticket.pk}/").content.decode()
    assert f'href="/api/v1/attachments/{row.pk}" download>fw.bin</a>' in page
    assert 'Maria Garcia <span class="tag">by e-mail</span>' in page


def test_the_reason_is_shown_in_the_readers_language(
    agent_client: Client, waiting: InboundMessage
) -> None:
    english = agent_client.get("/desk/mail/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    chinese = agent_client.get("/desk/mail/", HTTP_ACCEPT_LANGUAGE="zh-Hans").content.decode()
    assert "unknown sender someone@unknown.example: no contact and no customer domain" in english
    assert "未知发件人 someone@unknown.example：既不是联系人，也不属于任何客户的域名" in chinese
    assert "no customer domain" not in chinese
    # The stored reason stays the English copy (the API's ``ignored`` and exports read it).
    assert waiting.reason == (
        "unknown sender someone@unknown.example: no contact and no customer domain"
    )


def test_dismissed_and_triaged_reasons_in_chinese(
    agent_client: Client, acme: World, waiting: InboundMessage
) -> None:
    other = receive_message(
        raw=UNKNOWN.replace(b"s-1@", b"s-2@").replace(b"Our server", b"Spam"), mailbox=None
    ).message
    agent_client.post(f"/desk/mail/{waiting.pk}/open/", {"customer": acme.customer.pk})
    agent_client.post(f"/desk/mail/{other.pk}/dismiss/")
    waiting.refresh_from_db()
    other.refresh_from_db()
    assert waiting.reason == "triaged by acme-agent" and other.reason == "dismissed by acme-agent"
    with translation.override("zh-hans"):
        assert (waiting.reason_text, other.reason_text) == (
            "由 acme-agent 分拣",
            "由 acme-agent 忽略",
        )
    with translation.override("en"):
        assert (waiting.reason_text, other.reason_text) == (waiting.reason, other.reason)


def test_old_rows_and_failures_show_the_stored_text(
    agent_client: Client, waiting: InboundMessage
) -> None:
    broken = receive_message(raw=b"\x00 not mail", mailbox=None).message
    assert broken.reason_notes == []  # the exception's text as raised: not translated
    InboundMessage.objects.filter(pk=waiting.pk).update(
        reason="written before notes", reason_notes=[]
    )
    chinese = agent_client.get("/desk/mail/", HTTP_ACCEPT_LANGUAGE="zh-Hans").content.decode()
    assert "written before notes" in chinese
    assert "unparseable: no header fields" in chinese
