"""Portal: a published post-incident report and its PDF (a draft or another customer's is a
404), and the contract-end checklist with the export confirmation."""

from __future__ import annotations

from datetime import date

import pytest

from servicepact.contractend import services as ends
from servicepact.contractend.models import ContractEndPlan
from servicepact.incidents import services as incidents
from servicepact.tickets import services as ts

from .conftest import login, ny

pytestmark = pytest.mark.django_db


def test_report_only_once_published_and_only_to_its_customer(acme, globex, contact_client, clock):
    clock.at(ny(2025, 6, 2, 10))
    ticket = ts.open_ticket(customer=acme.customer, contact=acme.contact, subject="SAN down")
    incident = incidents.declare_major_incident(
        ticket=ticket, level=1, summary="x", actor=acme.agent
    )
    url = f"/portal/incidents/{incident.pk}/"
    assert contact_client.get(url).status_code == 404
    assert (
        b'data-testid="incident-report"'
        not in contact_client.get(f"/portal/tickets/{ticket.pk}/").content
    )
    report = incidents.update_report(
        report=incident.report,
        actor=acme.agent,
        root_cause="Firmware",
        data_lost=True,
        data_loss="Two hours of orders",
        restored_from="snap-7",
        apology="We are sorry.",
    )
    incidents.publish_report(report=report, actor=acme.agent)
    page = contact_client.get(url)
    assert (
        page.status_code == 200
        and b"Two hours of orders" in page.content
        and b"snap-7" in page.content
    )
    assert (
        b'data-testid="incident-report"'
        in contact_client.get(f"/portal/tickets/{ticket.pk}/").content
    )
    pdf = contact_client.get(f"/portal/incidents/{incident.pk}/report.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    other = login(globex.contact.user)
    assert other.get(url).status_code == 404
    assert other.get(f"/portal/incidents/{incident.pk}/report.pdf").status_code == 404


def test_checklist_confirmation_and_tenancy(acme, globex, contact_client, clock):
    clock.at(ny(2025, 6, 2, 10))
    acme.contract.end_date = date(2025, 6, 20)
    acme.contract.save()
    ends.open_due_plans(now=ny(2025, 6, 2, 10))
    plan = ContractEndPlan.objects.get()
    url = f"/portal/contract-end/{plan.pk}/"
    assert (
        b'data-testid="contract-end"'
        in contact_client.get(f"/portal/contracts/{acme.contract.pk}/").content
    )
    page = contact_client.get(url)
    assert (
        page.status_code == 200 and b"acme-srv01" in page.content and b"2025-08-19" in page.content
    )
    other = login(globex.contact.user)
    assert other.get(url).status_code == 404
    assert other.post(url, {"note": "x"}).status_code == 404
    assert contact_client.post(url, {"note": "Archive downloaded"}).status_code == 302
    plan.refresh_from_db()
    assert plan.export_note == "Archive downloaded"
    assert contact_client.post(url, {}).status_code == 422
