"""``POST /tickets/{id}/attachments``, ``GET /tickets/{id}/attachments``, ``GET /attachments/{id}``:
size limit as a field error, tenancy and internal notes as 404, downloads never rendered."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import StreamingHttpResponse

from servicepact.tickets import services as ticket_services
from servicepact.tickets.models import Attachment

from .conftest import BASE, Api, open_ticket

pytestmark = pytest.mark.django_db


def upload(api: Api, ticket_id: int, name: str, content: bytes, **form: Any) -> Any:
    data = {"file": SimpleUploadedFile(name, content, content_type="text/plain"), **form}
    return api.client.post(f"{BASE}/tickets/{ticket_id}/attachments", data)


def test_a_contact_attaches_a_log_and_staff_download_it(
    acme: Any, acme_contact: Api, staff: Api
) -> None:
    ticket = open_ticket(acme)
    response = upload(acme_contact, ticket.pk, "syslog.txt", b"kernel: disk error\n")
    assert response.status_code == 201
    body = response.json()
    row = Attachment.objects.get()
    assert body == {
        "id": row.pk,
        "ticket": ticket.pk,
        "comment": None,
        "name": "syslog.txt",
        "content_type": "text/plain",
        "size": 19,
        "internal": False,
        "created_at": body["created_at"],
        "download": f"/api/v1/attachments/{row.pk}",
    }
    got = staff.client.get(body["download"])
    assert got.status_code == 200
    assert isinstance(got, StreamingHttpResponse)  # streamed from storage, never rendered
    assert b"".join(got.streaming_content) == b"kernel: disk error\n"
    assert got["Content-Disposition"] == 'attachment; filename="syslog.txt"'
    assert got["X-Content-Type-Options"] == "nosniff"


def test_html_is_downloaded_as_bytes_never_rendered(acme: Any, staff: Api) -> None:
    ticket = open_ticket(acme)
    data = {"file": SimpleUploadedFile("page.html", b"<script>alert(1)</script>", "text/html")}
    row = staff.client.post(f"{BASE}/tickets/{ticket.pk}/attachments", data).json()
    got = staff.client.get(row["download"])
    assert got["Content-Type"] == "application/octet-stream"
    assert got["Content-Disposition"].startswith("attachment;")
    assert "sandbox" in got["Content-Security-Policy"]


def test_over_the_limit_is_a_field_error(acme: Any, staff: Api, settings: Any) -> None:
    settings.SERVICEPACT = {**settings.SERVICEPACT, "ATTACHMENT_MAX_BYTES": 10}
    ticket = open_ticket(acme)
    response = upload(staff, ticket.pk, "big.log", b"x" * 11)
    assert response.status_code == 422
    assert response.json() == {
        "detail": [
            {
                "loc": ["body", "file"],
                "msg": "is 11 bytes; files may be at most 10 bytes",
                "type": "invalid",
            }
        ]
    }
    assert Attachment.objects.count() == 0


def test_a_file_bigger_than_the_form_limit_is_accepted(
    acme: Any, staff: Api, settings: Any
) -> None:
    """A 3 MB dump is over DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MiB, forms and JSON) but within the
    attachment limit: the upload path has its own body limit."""
    ticket = open_ticket(acme)
    response = upload(staff, ticket.pk, "core.dump", b"\0" * (3 * 1024 * 1024))
    assert response.status_code == 201 and response.json()["size"] == 3 * 1024 * 1024


def test_internal_notes_files_never_reach_contacts(
    acme: Any, staff: Api, acme_contact: Api
) -> None:
    ticket = open_ticket(acme)
    note = ticket_services.add_comment(
        ticket=ticket, author=acme.agent, body="vendor case", internal=True
    )
    row = upload(staff, ticket.pk, "vendor.txt", b"secret", comment=note.pk).json()
    assert row["internal"] is True
    assert acme_contact.client.get(row["download"]).status_code == 404
    assert acme_contact.get(f"/tickets/{ticket.pk}/attachments").json() == {"items": [], "count": 0}
    assert staff.get(f"/tickets/{ticket.pk}/attachments").json()["count"] == 1


def test_another_customers_files_are_404(
    acme: Any, globex: Any, staff: Api, globex_contact: Api
) -> None:
    ticket = open_ticket(acme)
    row = upload(staff, ticket.pk, "acme.txt", b"acme only").json()
    assert globex_contact.client.get(row["download"]).status_code == 404
    assert upload(globex_contact, ticket.pk, "x.txt", b"x").status_code == 404
    assert Attachment.objects.count() == 1


def test_a_contact_attaches_only_to_its_own_replies(
    acme: Any, staff: Api, acme_contact: Api
) -> None:
    ticket = open_ticket(acme)
    theirs = ticket_services.add_comment(ticket=ticket, author=acme.agent, body="from the desk")
    mine = ticket_services.add_comment(ticket=ticket, author=acme.contact.user, body="log follows")
    refused = upload(acme_contact, ticket.pk, "a.txt", b"a", comment=theirs.pk)
    assert refused.status_code == 422
    assert refused.json()["detail"][0]["loc"] == ["body", "comment"]
    assert (
        upload(acme_contact, ticket.pk, "a.txt", b"a", comment=mine.pk).json()["comment"] == mine.pk
    )


def test_names_are_made_safe(acme: Any, staff: Api) -> None:
    ticket = open_ticket(acme)
    row = upload(staff, ticket.pk, "../../etc/pass wd.txt", b"x").json()
    assert row["name"] == "pass_wd.txt"
    assert upload(staff, ticket.pk, "?", b"x").json()["name"] == "attachment"
    assert upload(staff, ticket.pk, "...", b"x").json()["name"] == "attachment"
    stored = Attachment.objects.get(name="pass_wd.txt").file.name
    assert stored is not None
    assert stored.startswith(f"attachments/{ticket.pk}/") and ".." not in stored


def test_an_upload_body_over_its_own_limit_is_413(acme: Any, staff: Api, settings: Any) -> None:
    """/api/v1/tickets/*/attachments has its own body limit (core.limits: `*` is one segment)."""
    settings.SERVICEPACT = {**settings.SERVICEPACT, "ATTACHMENT_MAX_BODY": 1000}
    ticket = open_ticket(acme)
    response = upload(staff, ticket.pk, "big.log", b"x" * 2000)
    assert response.status_code == 413
    assert response.json() == {"detail": "Request body too large: limit 1000 bytes"}
    assert Attachment.objects.count() == 0


def test_a_retried_upload_with_the_same_key_is_stored_once(acme: Any, staff: Api) -> None:
    """Idempotency-Key on a 3 MB upload: the retry replays the first answer; the fingerprint
    streams the file (no 413 from the in-memory body limit)."""
    ticket = open_ticket(acme)
    content = b"\1" * (3 * 1024 * 1024)

    def send(body: bytes) -> Any:
        data = {"file": SimpleUploadedFile("core.dump", body)}
        return staff.client.post(
            f"{BASE}/tickets/{ticket.pk}/attachments", data, headers={"Idempotency-Key": "up-1"}
        )

    first, again = send(content), send(content)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    assert Attachment.objects.count() == 1
    assert send(content[:-1] + b"\2").status_code == 422  # same key, another file


def test_a_reply_by_e_mail_names_its_contact(acme: Any, acme_contact: Api) -> None:
    """A contact without a portal account answered by e-mail: no author, the contact named."""
    from servicepact.customers.models import Contact

    ticket = open_ticket(acme)
    maria = Contact.objects.create(customer=acme.customer, name="Maria Garcia", email="m@a.example")
    comment = ticket_services.add_comment(ticket=ticket, author=None, body="Thanks", contact=maria)
    [item] = acme_contact.get(f"/tickets/{ticket.pk}/comments").json()["items"]
    assert item == {
        "id": comment.pk,
        "author": None,
        "contact": {"id": maria.pk, "name": "Maria Garcia"},
        "body": "Thanks",
        "internal": False,
        "created_at": item["created_at"],
    }
