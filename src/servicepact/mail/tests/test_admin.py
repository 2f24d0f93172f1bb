"""The admin shows mailboxes and received mail; it never shows a token hash or adds a mailbox
(the token is made and shown once by `servicepact mailbox create`), and received mail is
read-only."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from servicepact.mail.models import InboundMessage
from servicepact.mail.services import create_mailbox, receive_message

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(db: Any) -> Client:
    client = Client()
    client.force_login(get_user_model().objects.create_superuser("root", "r@x.example", "pw"))
    return client


def test_mailbox_pages(admin_client: Client) -> None:
    box, _raw = create_mailbox(name="support", address="support@provider.example")
    assert admin_client.get("/admin/mail/mailbox/").status_code == 200
    page = admin_client.get(f"/admin/mail/mailbox/{box.pk}/change/")
    assert page.status_code == 200 and box.token_hash not in page.content.decode()
    assert admin_client.get("/admin/mail/mailbox/add/").status_code == 403


def test_received_mail_is_read_only(admin_client: Client) -> None:
    row = receive_message(
        raw=b"From: a@b.example\r\nSubject: hi\r\n\r\nx\r\n", mailbox=None
    ).message
    assert admin_client.get("/admin/mail/inboundmessage/").status_code == 200
    assert admin_client.get(f"/admin/mail/inboundmessage/{row.pk}/change/").status_code == 200
    response = admin_client.post(f"/admin/mail/inboundmessage/{row.pk}/change/", {"subject": "x"})
    assert response.status_code == 403
    assert InboundMessage.objects.get().subject == "hi"
