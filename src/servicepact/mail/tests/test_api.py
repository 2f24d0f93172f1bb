"""``POST /api/v1/mail/inbound`` with a mailbox token and the raw message as the body."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from servicepact.mail.models import InboundMessage
from servicepact.mail.services import add_mail_domain, create_mailbox, rotate_mailbox_token
from servicepact.mail.tests.conftest import mime
from servicepact.tickets.models import Ticket
from servicepact.tickets.testing import World

pytestmark = pytest.mark.django_db

URL = "/api/v1/mail/inbound"


@pytest.fixture
def token(db: Any) -> str:
    _box, raw = create_mailbox(name="support", address="support@provider.example")
    return raw


def post(raw: bytes, token: str, content_type: str = "message/rfc822") -> Any:
    return Client().post(
        URL, data=raw, content_type=content_type, headers={"Authorization": f"Bearer {token}"}
    )


def test_a_pushed_message_opens_a_ticket(acme: World, token: str) -> None:
    add_mail_domain(customer=acme.customer, domain="acme.example")
    response = post(mime("html_only.eml"), token)
    assert response.status_code == 200
    ticket = Ticket.objects.get()
    assert response.json() == {"ticket": ticket.pk, "comment": None, "ignored": None}
    mailbox = InboundMessage.objects.get().mailbox
    assert mailbox is not None and mailbox.name == "support"


def test_the_same_message_pushed_twice_creates_nothing_twice(acme: World, token: str) -> None:
    add_mail_domain(customer=acme.customer, domain="acme.example")
    first = post(mime("html_only.eml"), token).json()
    second = post(mime("html_only.eml"), token).json()
    assert second["ticket"] == first["ticket"] and second["comment"] is None
    assert second["ignored"].startswith("duplicate: already received at ")
    assert Ticket.objects.count() == 1


def test_an_auto_reply_answers_why_it_was_ignored(acme: World, token: str) -> None:
    response = post(mime("out_of_office.eml", notification=1, **{"%%NUMBER%%": "SP-000001"}), token)
    assert response.json() == {
        "ticket": None,
        "comment": None,
        "ignored": "ignored: auto-submitted (auto-generated)",
    }


@pytest.mark.parametrize("header", ["", "Bearer sp_not-a-mailbox-token"])
def test_without_a_mailbox_token_401(db: Any, token: str, header: str) -> None:
    client = Client()
    response = client.post(
        URL,
        data=mime("html_only.eml"),
        content_type="message/rfc822",
        headers={"Authorization": header} if header else {},
    )
    assert response.status_code == 401
    assert InboundMessage.objects.count() == 0


def test_a_rotated_token_stops_working(db: Any) -> None:
    box, old = create_mailbox(name="support", address="support@provider.example")
    new = rotate_mailbox_token(mailbox=box)
    assert post(mime("html_only.eml"), old).status_code == 401
    assert post(mime("html_only.eml"), new).status_code == 200


def test_json_is_not_a_message_415(token: str) -> None:
    response = post(b'{"subject": "hi"}', token, content_type="application/json")
    assert response.status_code == 415
    assert response.json() == {"detail": "send the raw message with Content-Type: message/rfc822"}


def test_an_empty_body_400(token: str) -> None:
    assert post(b"", token).status_code == 400


def test_over_the_mail_limit_413_and_nothing_kept(token: str, settings: Any) -> None:
    settings.SERVICEPACT = {**settings.SERVICEPACT, "MAIL_MAX_BODY": 1000}
    response = post(mime("outlook_reply.eml"), token)
    assert response.status_code == 413
    assert response.json() == {"detail": "Request body too large: limit 1000 bytes"}
    assert InboundMessage.objects.count() == 0


def test_a_message_larger_than_the_form_limit_is_accepted(
    acme: World, token: str, settings: Any
) -> None:
    """Mail with attachments is bigger than DATA_UPLOAD_MAX_MEMORY_SIZE (forms and JSON): the
    endpoint reads its body under MAIL_MAX_BODY instead."""
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    raw = mime("outlook_reply.eml", notification=1, **{"%%NUMBER%%": "SP-000001"})
    assert len(raw) > 1000
    response = post(raw, token)
    assert response.status_code == 200
    ticket = Ticket.objects.get(pk=response.json()["ticket"])  # John is a contact: a new ticket
    # ... with the log on the ticket itself (no reply to hang it on).
    [log] = ticket.attachments.all()
    assert (log.name, log.comment_id, log.size) == ("controller.log", None, 143)
