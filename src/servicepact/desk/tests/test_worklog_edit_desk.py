"""Changing a work log and recording parts from the desk ticket page: the same services as
the API (billing.services.edit_work_log, billing.parts), the same audit record."""

from __future__ import annotations

from datetime import date

import pytest

from servicepact.billing.models import PartUse, WorkLog, WorkLogAudit
from servicepact.billing.services import log_work
from servicepact.tickets import services as ts

from .conftest import ny

pytestmark = pytest.mark.django_db


@pytest.fixture
def ticket(clock, acme):
    clock.at(ny(2025, 6, 2, 9))
    t = ts.open_ticket(customer=acme.customer, contact=acme.contact, asset=acme.asset,
                       subject="Disk failure", impact=2, urgency=2, actor=acme.contact.user)  # fmt: skip
    clock.at(ny(2025, 6, 3, 20))
    return t


@pytest.fixture
def log(ticket, acme):
    return log_work(ticket=ticket, user=acme.agent, minutes=90, day=date(2025, 6, 2), note="disk")


def edit(client, ticket, log, **data):
    body = {"edit-user": log.user_id, "edit-date": "2025-06-02", "edit-minutes": "90",
            "edit-work_type": "remote", "edit-billable": "on", "edit-note": "disk",
            "edit-reason": ""}  # fmt: skip
    body.update({f"edit-{k}": v for k, v in data.items()})
    return client.post(f"/desk/tickets/{ticket.pk}/worklogs/{log.pk}/edit/", body)


def test_an_agent_changes_a_log_and_the_audit_keeps_before_after_and_reason(
    ticket, log, acme, agent_client
):
    """Shown filled with the log's values; saved: 120 min on site from 17:00 (60 min out of
    hours, computed by the engine), audited as the API's PATCH is."""
    page = agent_client.get(f"/desk/tickets/{ticket.pk}/worklogs/{log.pk}/edit/")
    assert page.status_code == 200
    assert page.context["form"].initial["minutes"] == 90
    listing = agent_client.get(f"/desk/tickets/{ticket.pk}/").content.decode()
    assert f"/desk/tickets/{ticket.pk}/worklogs/{log.pk}/edit/" in listing
    response = edit(agent_client, ticket, log, minutes="120", work_type="on_site", start="17:00",
                    reason="forgot the drive back")  # fmt: skip
    assert response.status_code == 302
    log.refresh_from_db()
    assert (log.minutes, log.work_type, log.out_of_hours_minutes) == (120, "on_site", 60)
    audit = WorkLogAudit.objects.get(action="edit")
    assert (audit.before["minutes"], audit.after["minutes"], audit.reason) == (
        90, 120, "forgot the drive back",
    )  # fmt: skip
    assert audit.actor == acme.agent


def test_a_bad_change_is_a_422_naming_the_field_and_changes_nothing(ticket, log, agent_client):
    for change, field in (({"minutes": "0"}, "minutes"), ({"date": "2025-06-09"}, "date")):
        response = edit(agent_client, ticket, log, **change)
        assert response.status_code == 422
        assert field in response.context["form"].errors
    log.refresh_from_db()
    assert log.minutes == 90
    assert not WorkLogAudit.objects.filter(action="edit").exists()


def test_a_contact_cannot_open_the_edit_page(ticket, log, contact_client):
    response = contact_client.get(f"/desk/tickets/{ticket.pk}/worklogs/{log.pk}/edit/")
    assert response.status_code == 404
    assert edit(contact_client, ticket, log, minutes="5").status_code == 404
    assert WorkLog.objects.get().minutes == 90


def test_a_log_of_another_ticket_is_404(ticket, log, acme, agent_client):
    other = ts.open_ticket(customer=acme.customer, contact=acme.contact, subject="Fan")
    response = agent_client.get(f"/desk/tickets/{other.pk}/worklogs/{log.pk}/edit/")
    assert response.status_code == 404


def test_an_agent_records_and_deletes_a_part(ticket, agent_client):
    body = {"part-date": "2025-06-03", "part-part_number": "HD-2T", "part-description": "Disk",
            "part-quantity": "2", "part-unit_price": "80.00", "part-under_warranty": "on"}  # fmt: skip
    response = agent_client.post(f"/desk/tickets/{ticket.pk}/parts/", body)
    assert response.status_code == 302
    part = PartUse.objects.get()
    assert (part.quantity, str(part.unit_price), part.under_warranty) == (2, "80.00", True)
    page = agent_client.get(f"/desk/tickets/{ticket.pk}/").content.decode()
    assert "HD-2T" in page and 'data-testid="warranty"' in page
    bad = agent_client.post(f"/desk/tickets/{ticket.pk}/parts/", {**body, "part-quantity": "0"})
    assert bad.status_code == 422
    assert "quantity" in bad.context["part_form"].errors
    gone = agent_client.post(f"/desk/tickets/{ticket.pk}/parts/{part.pk}/delete/")
    assert gone.status_code == 302
    assert not PartUse.objects.exists()


def test_a_contact_cannot_record_parts(ticket, contact_client):
    body = {"part-date": "2025-06-03", "part-part_number": "X", "part-description": "Y",
            "part-quantity": "1", "part-unit_price": "1"}  # fmt: skip
    response = contact_client.post(f"/desk/tickets/{ticket.pk}/parts/", body)
    assert response.status_code == 404
    assert not PartUse.objects.exists()
