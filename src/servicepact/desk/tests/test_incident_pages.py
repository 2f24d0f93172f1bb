"""Desk: the declare button on a ticket, the incident page with its report form, the list of
contract ends whose export is not confirmed, and an exit step with its evidence file."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from servicepact.contractend import services as ends
from servicepact.contractend.models import ContractEndPlan
from servicepact.incidents import services as incidents
from servicepact.incidents.models import MajorIncident
from servicepact.notifications.models import Notification
from servicepact.tickets import services as ts

from .conftest import ny

pytestmark = pytest.mark.django_db


def test_declare_from_the_ticket_then_edit_and_publish(acme, agent_client, clock):
    clock.at(ny(2025, 6, 2, 10))
    incidents.add_emergency_contact(
        contract=acme.contract, actor=acme.agent, name="CIO", email="cio@acme.test"
    )
    ticket = ts.open_ticket(customer=acme.customer, contact=acme.contact, subject="SAN down")
    page = agent_client.get(f"/desk/tickets/{ticket.pk}/")
    assert b'data-action="declare-major"' in page.content
    refused = agent_client.post(f"/desk/tickets/{ticket.pk}/major/", {"level": "1", "summary": ""})
    assert refused.status_code == 422
    assert not MajorIncident.objects.exists()
    done = agent_client.post(
        f"/desk/tickets/{ticket.pk}/major/", {"level": "1", "summary": "SAN lost"}
    )
    incident = MajorIncident.objects.get()
    assert done.status_code == 302 and done["Location"] == f"/desk/incidents/{incident.pk}/"
    told = Notification.objects.filter(event="incident.major_declared", channel="email")
    assert [r.recipient for r in told] == ["cio@acme.test"]
    assert b"/desk/incidents/" in agent_client.get(f"/desk/tickets/{ticket.pk}/").content
    page = agent_client.get(f"/desk/incidents/{incident.pk}/")
    assert page.status_code == 200 and b"SAN lost" in page.content
    saved = agent_client.post(
        f"/desk/incidents/{incident.pk}/",
        {
            "action": "save",
            "root_cause": "Firmware",
            "data_lost": "no",
            "restored_from": "snap-1",
            "apology": "Sorry",
        },
    )
    assert saved.status_code == 302
    published = agent_client.post(f"/desk/incidents/{incident.pk}/", {"action": "publish"})
    assert published.status_code == 302
    incident.report.refresh_from_db()
    assert (incident.report.status, incident.report.restored_from) == ("published", "snap-1")


def test_contacts_are_sent_away_from_desk_pages(acme, contact_client, clock):
    clock.at(ny(2025, 6, 2, 10))
    ticket = ts.open_ticket(customer=acme.customer, contact=acme.contact, subject="x")
    response = contact_client.post(
        f"/desk/tickets/{ticket.pk}/major/", {"level": "1", "summary": "x"}
    )
    assert response.status_code in (302, 403, 404)
    assert not MajorIncident.objects.exists()


def test_unconfirmed_list_and_an_evidenced_step(acme, agent_client, clock, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    clock.at(ny(2025, 6, 2, 10))
    acme.contract.end_date = date(2025, 6, 20)
    acme.contract.save()
    ends.open_due_plans(now=ny(2025, 6, 2, 10))
    plan = ContractEndPlan.objects.get()
    listing = agent_client.get("/desk/contract-end/")
    assert acme.contract.number.encode() in listing.content
    assert (
        b"/desk/contract-end/" in agent_client.get(f"/desk/contracts/{acme.contract.pk}/").content
    )
    bad = agent_client.post(f"/desk/contract-end/{plan.pk}/", {"code": "backups", "note": "x"})
    assert bad.status_code == 422
    good = agent_client.post(
        f"/desk/contract-end/{plan.pk}/",
        {
            "code": "backups",
            "note": "Tapes handed over",
            "outcome": "handed_over",
            "evidence": SimpleUploadedFile("receipt.pdf", b"%PDF receipt"),
        },
    )
    assert good.status_code == 302
    step = plan.steps.get(code="backups")
    assert (step.outcome, step.evidence_name) == ("handed_over", "receipt.pdf")
    ends.confirm_export(plan=plan, actor=acme.contact.user)
    assert acme.contract.number.encode() not in agent_client.get("/desk/contract-end/").content
