"""Notification e-mails as a real SMTP server (aiosmtpd on loopback) receives them."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.contrib.auth import get_user_model

from servicepact.notifications import language_for
from servicepact.notifications.delivery import deliver_due
from servicepact.notifications.email import mail_domain
from servicepact.notifications.models import Notification
from servicepact.notifications.services import Message, notify_email, notify_user

from .conftest import utc

pytestmark = pytest.mark.django_db

T0 = utc(2025, 6, 2, 10)
SITE = "https://sp.example.com"
BODY = "SP-000042 Router down\nCustomer: Acme <IT>\n\nFirst response: 50 % of the target used."


@pytest.fixture(autouse=True)
def mail_settings(settings):
    settings.SERVICEPACT_MAIL_DOMAIN = "support.example.com"
    settings.DEFAULT_FROM_EMAIL = "ServicePact <servicepact@support.example.com>"
    settings.SERVICEPACT = {**settings.SERVICEPACT, "SITE_URL": SITE + "/"}


def content(part) -> str:
    """A part's decoded text with the wire's CRLF line ends turned back into LF."""
    return part.get_content().replace("\r\n", "\n")


def message(ticket_id: int | None = 42, subject: str = "[SP-000042] First response at 50 %"):
    return Message(
        event="ticket.threshold_crossed", subject=subject, body=BODY, ticket_id=ticket_id
    )


def test_staff_email_is_multipart_threaded_and_links_the_desk(frozen, smtp_server):
    """One e-mail about ticket 42: From and Message-ID on the configured domain,
    Auto-Submitted, In-Reply-To and References to the ticket's root <ticket-42@domain>, a
    text part (the body, then the desk link) and an HTML part with the same content."""
    frozen(T0)
    row = notify_email(key="esc:7:50", address="ops@provider.test", message=message())
    assert deliver_due().sent == 1
    (envelope,) = smtp_server.envelopes
    assert (envelope.mail_from, envelope.rcpt_tos) == (
        "servicepact@support.example.com",
        ["ops@provider.test"],
    )
    (mail,) = smtp_server.messages()
    assert mail["From"] == "ServicePact <servicepact@support.example.com>"
    assert mail["To"] == "ops@provider.test"
    assert mail["Subject"] == "[SP-000042] First response at 50 %"
    assert mail["Message-ID"] == f"<notification-{row.pk}@support.example.com>"
    assert mail["Auto-Submitted"] == "auto-generated"
    assert mail["In-Reply-To"] == mail["References"] == "<ticket-42@support.example.com>"
    assert mail["Content-Language"] == "en"
    assert mail["X-ServicePact-Delivery"] == "esc:7:50:ops@provider.test:email"
    assert mail.get_content_type() == "multipart/alternative"
    text, html = mail.iter_parts()
    assert text.get_content_type() == "text/plain"
    assert content(text) == (
        BODY + "\n\nOpen the ticket in the service desk:\nhttps://sp.example.com/desk/tickets/42/"
    )
    assert html.get_content_type() == "text/html"
    page = content(html)
    assert '<html lang="en">' in page
    assert "SP-000042 Router down<br>Customer: Acme &lt;IT&gt;</p>" in page
    assert "First response: 50 % of the target used.</p>" in page
    assert '<a href="https://sp.example.com/desk/tickets/42/"' in page
    assert "/portal/" not in page and "<IT>" not in page


def test_customer_email_links_the_portal(frozen, smtp_server):
    """A customer's message links the ticket's portal page, not the desk."""
    frozen(T0)
    notify_email(key="esc:7:100", address="it@acme.test", message=message(), audience="customer")
    assert deliver_due().sent == 1
    (mail,) = smtp_server.messages()
    text, html = mail.iter_parts()
    assert content(text).endswith(
        "\n\nFollow the ticket in the customer portal:\nhttps://sp.example.com/portal/tickets/42/"
    )
    assert '<a href="https://sp.example.com/portal/tickets/42/"' in content(html)
    assert "/desk/" not in content(text) + content(html)


def test_one_thread_per_ticket(frozen, smtp_server):
    """Two messages about ticket 42 refer to the same root and have distinct Message-IDs; one
    about ticket 43 has its own root; a message about no ticket has no threading headers and
    no link."""
    frozen(T0)
    notify_email(key="a", address="x@provider.test", message=message())
    notify_email(key="b", address="x@provider.test", message=message(subject="75 %"))
    notify_email(key="c", address="x@provider.test", message=message(43, subject="SP-000043"))
    notify_email(key="d", address="x@provider.test", message=message(None, subject="renew"))
    assert deliver_due().sent == 4
    by_subject = {m["Subject"]: m for m in smtp_server.messages()}
    first, second = by_subject["[SP-000042] First response at 50 %"], by_subject["75 %"]
    assert first["References"] == second["References"] == "<ticket-42@support.example.com>"
    assert first["Message-ID"] != second["Message-ID"]
    assert first["In-Reply-To"] == second["In-Reply-To"] == "<ticket-42@support.example.com>"
    assert by_subject["SP-000043"]["References"] == "<ticket-43@support.example.com>"
    assert by_subject["renew"]["In-Reply-To"] is None
    assert by_subject["renew"]["References"] is None
    text, _html = by_subject["renew"].iter_parts()
    assert content(text) == BODY
    assert Notification.objects.filter(status="sent").count() == 4


def test_mail_domain_falls_back_to_the_sender_domain(settings):
    """Without SERVICEPACT_MAIL_DOMAIN the Message-ID domain is DEFAULT_FROM_EMAIL's."""
    settings.SERVICEPACT_MAIL_DOMAIN = ""
    settings.DEFAULT_FROM_EMAIL = "Service Desk <desk@provider.example>"
    assert mail_domain() == "provider.example"
    settings.SERVICEPACT_MAIL_DOMAIN = "mail.provider.example"
    assert mail_domain() == "mail.provider.example"


def test_email_is_rendered_in_the_row_language(frozen, smtp_server):
    """notify_user records the user's language (language_for); the e-mail around the text is
    rendered under it: html lang and Content-Language say zh-hans."""
    frozen(T0)
    user = get_user_model().objects.create_user("li", email="li@provider.test", is_staff=True)
    user.language = "zh-hans"  # what a per-person language field will hold
    rows = notify_user(key="esc:7:50", user=user, message=message())
    assert {r.language for r in rows} == {"zh-hans"}
    assert deliver_due().sent == 2
    (mail,) = smtp_server.messages()
    assert mail["Content-Language"] == "zh-hans"
    _text, html = mail.iter_parts()
    assert '<html lang="zh-hans">' in content(html)


@pytest.mark.parametrize(
    ("recipient", "expected"),
    [
        (None, "en"),
        (SimpleNamespace(), "en"),
        (SimpleNamespace(language="zh-Hans"), "zh-hans"),
        (SimpleNamespace(language="fr"), "en"),  # not offered by the site
        (SimpleNamespace(language="", user=SimpleNamespace(language="zh-hans")), "zh-hans"),
        (SimpleNamespace(language="en", user=SimpleNamespace(language="zh-hans")), "en"),
    ],
)
def test_language_for(recipient, expected):
    """Own language, else the user account's, else LANGUAGE_CODE; unknown codes fall back."""
    assert language_for(recipient) == expected


def test_a_body_that_quotes_the_ticket_page_gets_no_second_link(frozen, smtp_server):
    """Conversation messages end with the ticket's page: the e-mail does not add it again."""
    frozen(T0)
    body = "The customer wrote:\n\nAny news?\n\nhttps://sp.example.com/desk/tickets/42/"
    notify_email(
        key="conv:42:7",
        address="ops@provider.test",
        message=Message("ticket.customer_reply", "[SP-000042] The customer replied", body, {}, 42),
    )
    assert deliver_due().sent == 1
    (mail,) = smtp_server.messages()
    text, html = mail.iter_parts()
    assert content(text) == body
    assert content(html).count("https://sp.example.com/desk/tickets/42/") == 1
