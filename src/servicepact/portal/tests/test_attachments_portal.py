"""Files in the portal: a contact attaches a log to a reply and downloads it; internal files
never appear; an oversized file is a field error and nothing is stored."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import StreamingHttpResponse
from django.test import Client

from servicepact.tickets import services
from servicepact.tickets.attachments import add_attachment
from servicepact.tickets.models import Attachment, Comment
from servicepact.tickets.testing import World

pytestmark = pytest.mark.django_db


def _ticket(acme: World) -> Any:
    return services.open_ticket(customer=acme.customer, contact=acme.contact, subject="Disk")


def test_a_contact_replies_with_a_log(acme: World, contact_client: Client) -> None:
    ticket = _ticket(acme)
    response = contact_client.post(
        f"/portal/tickets/{ticket.pk}/comment/",
        {
            "comment-body": "Log attached",
            "comment-file": SimpleUploadedFile("syslog.txt", b"disk error", "text/plain"),
        },
    )
    assert response.status_code == 302
    comment = Comment.objects.get(ticket=ticket)
    row = Attachment.objects.get()
    assert (row.comment, row.name, row.is_internal) == (comment, "syslog.txt", False)
    page = contact_client.get(f"/portal/tickets/{ticket.pk}/").content.decode()
    assert f'href="/api/v1/attachments/{row.pk}" download>syslog.txt</a>' in page
    got = contact_client.get(f"/api/v1/attachments/{row.pk}")
    assert isinstance(got, StreamingHttpResponse)  # streamed from storage, never rendered
    assert b"".join(got.streaming_content) == b"disk error"


def test_oversized_file_is_a_field_error(
    acme: World, contact_client: Client, settings: Any
) -> None:
    settings.SERVICEPACT = {**settings.SERVICEPACT, "ATTACHMENT_MAX_BYTES": 5}
    ticket = _ticket(acme)
    response = contact_client.post(
        f"/portal/tickets/{ticket.pk}/comment/",
        {"comment-body": "big", "comment-file": SimpleUploadedFile("a.bin", b"123456")},
    )
    assert response.status_code == 422
    assert "files may be at most 5 bytes" in response.content.decode()
    assert Comment.objects.count() == 0 and Attachment.objects.count() == 0


def test_internal_files_are_not_listed_for_contacts(acme: World, contact_client: Client) -> None:
    ticket = _ticket(acme)
    note = services.add_comment(ticket=ticket, author=acme.agent, body="vendor", internal=True)
    add_attachment(ticket=ticket, comment=note, name="vendor.txt", content=b"x", actor=acme.agent)
    add_attachment(ticket=ticket, name="photo.png", content=b"png", actor=acme.agent)
    page = contact_client.get(f"/portal/tickets/{ticket.pk}/").content.decode()
    assert "vendor.txt" not in page and "photo.png" in page
