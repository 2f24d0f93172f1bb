"""/incidents/major, its report and PDF, /runbooks, /contract-end/plans and the exit archive:
the usual codes, tenancy 404s, and the archive's completeness (every ticket, public comment
and file) without anything internal."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from servicepact.contractend import services as ends
from servicepact.contractend.models import ContractEndPlan
from servicepact.tickets import services as ts
from servicepact.tickets.attachments import add_attachment, add_comment_with_files

from .conftest import ny, open_ticket

pytestmark = pytest.mark.django_db


def declare(staff, ticket, level=1):
    return staff.post(
        "/incidents/major", {"ticket": ticket.pk, "level": level, "summary": "Database lost"}
    )


def test_declare_read_and_tenancy(acme, globex, staff, acme_contact, globex_contact, clock):
    ticket = open_ticket(acme)
    assert declare(acme_contact, ticket).status_code == 403
    assert (
        staff.post(
            "/incidents/major", {"ticket": ticket.pk, "level": 9, "summary": "x"}
        ).status_code
        == 422
    )
    assert (
        staff.post("/incidents/major", {"ticket": 10**12, "level": 1, "summary": "x"}).status_code
        == 422
    )
    response = declare(staff, ticket)
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["level_label"], body["report_status"], body["ticket"]) == ("I", "draft", ticket.pk)
    assert declare(staff, ticket).status_code == 409
    pk = body["id"]
    assert acme_contact.get(f"/incidents/major/{pk}").status_code == 200
    assert globex_contact.get(f"/incidents/major/{pk}").status_code == 404
    assert globex_contact.get("/incidents/major").json()["count"] == 0
    # A draft report is the provider's: the contact sees it only once published.
    assert acme_contact.get(f"/incidents/major/{pk}/report").status_code == 404
    assert staff.get(f"/incidents/major/{pk}/report").status_code == 200


def test_report_edit_publish_and_pdf(acme, globex, staff, acme_contact, globex_contact, clock):
    ticket = open_ticket(acme)
    pk = declare(staff, ticket).json()["id"]
    assert staff.post(f"/incidents/major/{pk}/report/publish").status_code == 422
    edit = staff.patch(
        f"/incidents/major/{pk}/report",
        {
            "root_cause": "Controller firmware",
            "data_lost": False,
            "restored_from": "restic snapshot 4f2a9c",
            "achieved_rto_seconds": 10800,
            "apology": "We apologise.",
        },
    )
    assert edit.status_code == 200, edit.content
    assert edit.json()["restored_from"] == "restic snapshot 4f2a9c"
    assert acme_contact.patch(f"/incidents/major/{pk}/report", {"apology": "x"}).status_code == 404
    action = staff.post(
        f"/incidents/major/{pk}/report/actions", {"description": "Upgrade firmware"}
    )
    assert action.status_code == 201
    follow_up = action.json()["corrective_actions"][0]["ticket"]
    assert follow_up and follow_up != ticket.number
    assert staff.post(f"/incidents/major/{pk}/report/publish").status_code == 200
    assert staff.patch(f"/incidents/major/{pk}/report", {"apology": "x"}).status_code == 409
    assert (
        acme_contact.get(f"/incidents/major/{pk}/report").json()["root_cause"]
        == "Controller firmware"
    )
    assert globex_contact.get(f"/incidents/major/{pk}/report").status_code == 404
    pdf = acme_contact.get(f"/incidents/major/{pk}/report.pdf")
    assert (pdf.status_code, pdf["Content-Type"]) == (200, "application/pdf")
    assert pdf.content.startswith(b"%PDF")
    assert globex_contact.get(f"/incidents/major/{pk}/report.pdf").status_code == 404


def test_runbooks_are_staff_only(acme, staff, acme_contact):
    created = staff.post(
        "/runbooks", {"contract": acme.contract.pk, "title": "DB restore", "body": "1. Stop"}
    )
    assert created.status_code == 201
    assert staff.post("/runbooks", {"title": "x", "body": "y"}).status_code == 422
    assert staff.get("/runbooks").json()["count"] == 1
    assert acme_contact.get("/runbooks").status_code == 403
    assert (
        acme_contact.post(
            "/runbooks", {"plan": acme.plan.pk, "title": "t", "body": "b"}
        ).status_code
        == 403
    )


def ended_plan(acme, clock):
    acme.contract.end_date = date(2025, 6, 20)
    acme.contract.save()
    ends.open_due_plans(now=ny(2025, 6, 2, 8))
    return ContractEndPlan.objects.get(contract=acme.contract)


def test_checklist_visibility_and_confirmation(
    acme, globex, staff, acme_contact, globex_contact, clock
):
    plan = ended_plan(acme, clock)
    assert acme_contact.get("/contract-end/plans").json()["count"] == 1
    assert globex_contact.get("/contract-end/plans").json()["count"] == 0
    assert globex_contact.get(f"/contract-end/plans/{plan.pk}").status_code == 404
    detail = acme_contact.get(f"/contract-end/plans/{plan.pk}").json()
    assert detail["delete_after"] == "2025-08-19"  # 20 June + 30 grace + 30 retention
    assert [b["asset"] for b in detail["backups"]] == ["acme-srv01"]
    assert staff.get("/contract-end/plans", unconfirmed="true").json()["count"] == 1
    assert globex_contact.post(f"/contract-end/plans/{plan.pk}/confirm", {}).status_code == 404
    assert staff.post(f"/contract-end/plans/{plan.pk}/confirm", {}).status_code == 403
    assert (
        acme_contact.post(f"/contract-end/plans/{plan.pk}/confirm", {"note": "ok"}).status_code
        == 200
    )
    assert acme_contact.post(f"/contract-end/plans/{plan.pk}/confirm", {}).status_code == 409
    assert staff.get("/contract-end/plans", unconfirmed="true").json()["count"] == 0
    step = staff.post(
        f"/contract-end/plans/{plan.pk}/steps/access_revoked", {"note": "VPN keys revoked"}
    )
    assert step.status_code == 200
    assert (
        acme_contact.post(
            f"/contract-end/plans/{plan.pk}/steps/backups", {"note": "x", "outcome": "deleted"}
        ).status_code
        == 403
    )
    assert staff.post(f"/contract-end/plans/{plan.pk}/steps/nope", {"note": "x"}).status_code == 422


def test_exit_archive_is_complete_and_holds_nothing_internal(
    acme, globex, staff, acme_contact, globex_contact, clock, settings, tmp_path
):
    """Two tickets with public comments and files, an internal note with a file, an internal
    note with a file on the second: the archive holds both tickets, both public comments and both public
    files (same bytes), and none of the internal ones."""
    settings.MEDIA_ROOT = str(tmp_path)
    first = open_ticket(acme)
    second = open_ticket(acme, subject="Fan noise")
    clock.at(ny(2025, 6, 2, 9))
    add_comment_with_files(
        ticket=first,
        author=acme.contact.user,
        body="Logs attached",
        files=[SimpleUploadedFile("dmesg.txt", b"disk error sector 42")],
    )
    add_comment_with_files(
        ticket=first,
        author=acme.agent,
        body="INTERNAL: vendor escalation id 99",
        internal=True,
        files=[SimpleUploadedFile("vendor-case.txt", b"internal vendor case")],
    )
    add_attachment(ticket=second, actor=acme.agent, name="photo.jpg", content=b"\xff\xd8jpeg")
    add_comment_with_files(
        ticket=second,
        author=acme.agent,
        body="cost note",
        internal=True,
        files=[SimpleUploadedFile("cost.xlsx", b"margin sheet")],
    )
    ts.add_comment(ticket=second, author=acme.agent, body="Replacing the fan")
    open_ticket(globex)  # another customer's: never in Acme's archive

    assert globex_contact.get(f"/contracts/{acme.contract.pk}/exit-archive").status_code == 404
    response = acme_contact.get(f"/contracts/{acme.contract.pk}/exit-archive")
    assert response.status_code == 200 and response.streaming
    data = b"".join(response.streaming_content)
    archive = zipfile.ZipFile(io.BytesIO(data))
    names = archive.namelist()
    everything = b"".join(archive.read(n) for n in names)
    for secret in (
        b"vendor escalation",
        b"internal vendor case",
        b"margin sheet",
        b"vendor-case",
        b"cost.xlsx",
    ):
        assert secret not in everything
    ticket_files = sorted(n for n in names if n.startswith("tickets/"))
    assert [n for n in ticket_files if n.endswith("ticket.json")] == [
        f"tickets/{first.number}/ticket.json",
        f"tickets/{second.number}/ticket.json",
    ]
    one = json.loads(archive.read(f"tickets/{first.number}/ticket.json"))
    two = json.loads(archive.read(f"tickets/{second.number}/ticket.json"))
    assert [c["text"] for c in one["comments"]] == ["Logs attached"]
    assert [c["text"] for c in two["comments"]] == ["Replacing the fan"]
    dmesg = one["files"][0]["path"]
    photo = two["files"][0]["path"]
    assert (len(one["files"]), len(two["files"])) == (1, 1)
    assert archive.read(dmesg) == b"disk error sector 42"
    assert archive.read(photo) == b"\xff\xd8jpeg"
    manifest = json.loads(archive.read("manifest.json"))
    assert manifest["counts"]["tickets"] == 2
    assert manifest["counts"]["comments"] == 2
    assert manifest["counts"]["files"] == 2
    assert "statements/2025-06.json" in names and "audit/2025-06.zip" in names
    assert zipfile.ZipFile(io.BytesIO(archive.read("audit/2025-06.zip"))).namelist()
    assert {"README.txt", "contract.json", "backups.json"} <= set(names)


def test_classification_and_emergency_contacts(acme, globex, staff, acme_contact, globex_contact):
    """The default classification until the contract has its own; contacts read their own
    contract's (another's is a 404) and cannot change it (403)."""
    url = f"/contracts/{acme.contract.pk}/event-levels"
    default = acme_contact.get(url).json()
    assert default["default"] is True
    assert [(r["level_label"], r["priority"], r["major"]) for r in default["levels"]] == [
        ("I", 1, True),
        ("II", 1, True),
        ("III", 2, False),
        ("IV", 3, False),
    ]
    assert globex_contact.get(url).status_code == 404
    levels = {
        "levels": [
            {"level": 1, "name": "Outage", "priority": 1},
            {"level": 2, "name": "Degraded", "priority": 2, "major": False},
        ]
    }
    assert acme_contact.put(url, levels).status_code == 403
    assert (
        staff.put(
            url,
            {
                "levels": [
                    {"level": 1, "name": "a", "priority": 1},
                    {"level": 1, "name": "b", "priority": 2},
                ]
            },
        ).status_code
        == 422
    )
    saved = staff.put(url, levels).json()
    assert saved["default"] is False
    assert [(r["level"], r["name"], r["major"]) for r in saved["levels"]] == [
        (1, "Outage", True),
        (2, "Degraded", False),
    ]

    contacts = f"/contracts/{acme.contract.pk}/emergency-contacts"
    assert staff.post(contacts, {"name": "CIO", "up_to_level": 1}).status_code == 422  # no e-mail
    assert (
        staff.post(contacts, {"contact": globex.contact.pk, "email": "x@y.test"}).status_code == 422
    )
    assert acme_contact.post(contacts, {"name": "CIO", "email": "cio@acme.test"}).status_code == 403
    created = staff.post(
        contacts,
        {"name": "CIO", "email": "cio@acme.test", "phone": "+1 555 0100", "up_to_level": 1},
    )
    assert created.status_code == 201, created.content
    assert [c["email"] for c in acme_contact.get(contacts).json()["items"]] == ["cio@acme.test"]
    assert globex_contact.get(contacts).status_code == 404
    row = created.json()["id"]
    assert acme_contact.client.delete(f"/api/v1/emergency-contacts/{row}").status_code == 403
    deleted = staff.client.delete(f"/api/v1/emergency-contacts/{row}")
    assert (deleted.status_code, deleted.json()) == (200, {"id": row, "deleted": True})
    assert acme_contact.get(contacts).json()["items"] == []
