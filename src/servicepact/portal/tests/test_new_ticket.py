"""Filing a ticket: plain impact and urgency questions give the contract's priority; the
preview shows priority and deadlines before submitting, in the contact's time, and writes
nothing; the ticket page shows the same afterwards."""

from __future__ import annotations

import pytest

from servicepact.tickets.choices import Channel, Status
from servicepact.tickets.models import Comment, SlaClock, Ticket, TicketEvent

from .conftest import ny

pytestmark = pytest.mark.django_db


def _counts():
    return (
        Ticket.objects.count(),
        TicketEvent.objects.count(),
        SlaClock.objects.count(),
        Comment.objects.count(),
    )


def _form(acme, **over):
    data = {
        "asset": acme.asset.pk,
        "category": "hardware",
        "subject": "Server does not boot",
        "description": "Since 09:40, after a power cut.",
        "impact": "1",
        "urgency": "1",
    }
    data.update(over)
    return data


def test_the_form_asks_the_two_plain_questions(acme, contact_client):
    html = contact_client.get("/portal/tickets/new/").content.decode()
    assert "How many people or systems are affected?" in html
    assert "How soon does it hurt your business?" in html
    assert html.count('name="impact"') == 4
    assert html.count('name="urgency"') == 4
    assert "<legend>" in html
    assert 'hx-get="/portal/tickets/preview/"' in html


def test_preview_shows_priority_and_deadlines_in_the_contacts_time_and_writes_nothing(
    clock, acme, contact_client
):
    clock.at(ny(2025, 3, 3, 10))
    before = _counts()
    response = contact_client.get(
        "/portal/tickets/preview/",
        {"asset": acme.asset.pk, "category": "hardware", "impact": 1, "urgency": 1},
        headers={"HX-Request": "true"},
    )
    assert _counts() == before
    preview = response.context["preview"]
    assert (preview.priority, preview.priority_name) == (1, "Absolute priority")
    deadlines = {d.metric: d.deadline_at for d in preview.deadlines}
    # New York business hours 09-18: 30, 240, 240 and 480 business minutes from Monday 10:00.
    assert deadlines == {
        "first_response": ny(2025, 3, 3, 10, 30),
        "on_site": ny(2025, 3, 3, 14),
        "restore": ny(2025, 3, 3, 14),
        "resolution": ny(2025, 3, 3, 18),
    }
    html = response.content.decode()
    assert "<html" not in html
    assert "Mon 3 Mar, 10:30 America/New_York (UTC-05:00)" in html
    assert f"Covered by contract {acme.contract.number}" in html


def test_preview_follows_the_matrix_and_the_category(clock, acme, contact_client):
    clock.at(ny(2025, 3, 3, 10))
    response = contact_client.get(
        "/portal/tickets/preview/",
        {"asset": "", "category": "network", "impact": 2, "urgency": 3},
    )
    preview = response.context["preview"]
    assert preview.priority == 3
    assert {d.metric: d.deadline_at for d in preview.deadlines} == {
        "first_response": ny(2025, 3, 3, 12),
        "resolution": ny(2025, 3, 4, 17),  # 8 h on Monday, 8 h on Tuesday
    }


def test_preview_without_answers_asks_for_them(acme, contact_client):
    response = contact_client.get("/portal/tickets/preview/", {"category": "hardware"})
    assert response.context["preview"] is None
    assert "Answer the two questions" in response.content.decode()


def test_preview_without_javascript_posts_back_and_creates_nothing(clock, acme, contact_client):
    clock.at(ny(2025, 3, 3, 10))
    before = _counts()
    response = contact_client.post("/portal/tickets/new/", {**_form(acme), "preview": "1"})
    assert response.status_code == 200
    assert _counts() == before
    assert response.context["preview"].priority == 1
    html = response.content.decode()
    assert 'value="Server does not boot"' in html  # the answers are kept


def test_submitting_files_the_ticket_and_shows_priority_and_deadlines(clock, acme, contact_client):
    clock.at(ny(2025, 3, 3, 10))
    response = contact_client.post("/portal/tickets/new/", _form(acme))
    ticket = Ticket.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/portal/tickets/{ticket.pk}/"
    assert (ticket.priority, ticket.channel, ticket.status) == (1, Channel.PORTAL, Status.NEW)
    assert (ticket.contact, ticket.opened_by, ticket.asset) == (
        acme.contact,
        acme.contact.user,
        acme.asset,
    )
    html = contact_client.get(response["Location"]).content.decode()
    assert f"Ticket {ticket.number} is filed" in html
    assert "Absolute priority" in html
    assert "Mon 3 Mar, 10:30 America/New_York (UTC-05:00)" in html  # first response
    assert "Mon 3 Mar, 18:00 America/New_York (UTC-05:00)" in html  # resolution


def test_an_empty_subject_is_refused_on_the_field_and_nothing_is_written(
    clock, acme, contact_client
):
    clock.at(ny(2025, 3, 3, 10))
    before = _counts()
    response = contact_client.post("/portal/tickets/new/", _form(acme, subject=" "))
    assert response.status_code == 422
    assert _counts() == before
    html = response.content.decode()
    assert 'id="id_subject_error"' in html
    assert "must not be empty" in html


def test_unanswered_questions_are_required(clock, acme, contact_client):
    clock.at(ny(2025, 3, 3, 10))
    response = contact_client.post("/portal/tickets/new/", _form(acme, urgency=""))
    assert response.status_code == 422
    assert 'id="id_urgency_error"' in response.content.decode()
    assert not Ticket.objects.exists()


def test_the_asset_link_preselects_the_system(acme, contact_client):
    html = contact_client.get(f"/portal/tickets/new/?asset={acme.asset.pk}").content.decode()
    assert f'<option value="{acme.asset.pk}" selected>' in html
