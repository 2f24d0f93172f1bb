"""The desk's "New ticket": an agent takes down a phone call; the live preview is the portal's;
bad input names its field and stores nothing; the admin points to the desk instead."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from servicepact.assets.models import Asset
from servicepact.customers.models import Contact
from servicepact.tickets.choices import Channel, EventKind
from servicepact.tickets.models import Ticket, TicketEvent

from .conftest import ny

pytestmark = pytest.mark.django_db


@pytest.fixture
def berlin_contact(acme):
    """A contact of the New York customer who works from Berlin (no site: own zone)."""
    return Contact.objects.create(
        customer=acme.customer, name="Anna Berlin", timezone="Europe/Berlin"
    )


def _form(acme, contact, **kw):
    return {
        "customer": acme.customer.pk,
        "contact": contact.pk,
        "asset": acme.asset.pk,
        "channel": "phone",
        "category": "network",
        "kind": "incident",
        "impact": 2,
        "urgency": 2,
        "subject": "Core switch down",
        "description": "Called in at 10:00.",
        **kw,
    }


def test_a_phone_ticket_for_a_contact_in_another_zone_gets_the_contracts_deadlines(
    clock, acme, berlin_contact, agent_client
):
    """Monday 9 June 2025 10:00 New York, P2 (impact 2 x urgency 2) on NY business hours:
    first response 60 min -> 11:00 NY; restore 240 min -> 14:00; resolution 480 min -> 18:00
    (8 business hours to closing). The Berlin contact changes the zone shown, not the clocks."""
    clock.at(ny(2025, 6, 9, 10))
    response = agent_client.post("/desk/tickets/new/", _form(acme, berlin_contact))
    ticket = Ticket.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/desk/tickets/{ticket.pk}/"
    assert (ticket.channel, ticket.contact, ticket.asset, ticket.priority) == (
        Channel.PHONE,
        berlin_contact,
        acme.asset,
        2,
    )
    assert ticket.opened_by == acme.agent
    assert ticket.timezone == "America/New_York"  # the asset's site decides the ticket's zone
    deadlines = dict(ticket.clocks.values_list("metric", "deadline_at"))
    assert deadlines == {
        "first_response": ny(2025, 6, 9, 11),
        "restore": ny(2025, 6, 9, 14),
        "resolution": ny(2025, 6, 9, 18),
    }
    assert ticket.events.get().kind == EventKind.OPENED


def test_the_preview_is_the_tickets_and_shows_the_contacts_zone(
    clock, acme, berlin_contact, agent_client
):
    """Before anything is typed in the subject: priority P2 and 11:00 NY = 17:00 Berlin."""
    clock.at(ny(2025, 6, 9, 10))
    query = {k: v for k, v in _form(acme, berlin_contact).items() if k not in ("subject",)}
    response = agent_client.get("/desk/tickets/new/preview/", query)
    preview = response.context["preview"]
    assert preview.priority == 2
    assert {d.metric: d.deadline_at for d in preview.deadlines} == {
        "first_response": ny(2025, 6, 9, 11),
        "restore": ny(2025, 6, 9, 14),
        "resolution": ny(2025, 6, 9, 18),
    }
    html = response.content.decode()
    assert "Mon 9 Jun, 17:00" in html  # the Berlin time of the first-response deadline
    assert "(Europe/Berlin)" in html
    assert Ticket.objects.count() == 0


def test_the_preview_follows_impact_and_urgency_alone(clock, acme, agent_client):
    clock.at(ny(2025, 6, 9, 10))
    base = {"customer": acme.customer.pk, "category": "hardware"}
    p1 = agent_client.get("/desk/tickets/new/preview/", {**base, "impact": 1, "urgency": 1})
    p4 = agent_client.get("/desk/tickets/new/preview/", {**base, "impact": 4, "urgency": 4})
    assert (p1.context["preview"].priority, p4.context["preview"].priority) == (1, 4)
    none = agent_client.get("/desk/tickets/new/preview/", {"impact": 1, "urgency": 1})
    assert none.context["preview"] is None  # no customer, no contract to read


def test_validation_errors_name_the_fields_and_store_nothing(clock, acme, globex, agent_client):
    clock.at(ny(2025, 6, 9, 10))
    response = agent_client.post(
        "/desk/tickets/new/",
        _form(acme, globex.contact, subject="", description="x" * 200_000, channel="fax"),
    )
    assert response.status_code == 422
    errors = response.context["form"].errors
    assert sorted(errors) == ["channel", "contact", "description"]
    assert "at most 20000 characters" in errors["description"][0]
    assert Ticket.objects.count() == 0
    assert TicketEvent.objects.count() == 0
    response = agent_client.post("/desk/tickets/new/", _form(acme, acme.contact, subject="   "))
    assert response.status_code == 422
    assert response.context["form"].errors == {"subject": ["must not be empty"]}
    assert Ticket.objects.count() == 0


def test_contacts_and_assets_are_the_chosen_customers_and_assets_can_be_searched(
    acme, globex, agent_client
):
    Asset.objects.create(
        customer=acme.customer, site=acme.site, hostname="acme-db02", serial_number="SN-77X"
    )
    contacts = agent_client.get(
        "/desk/tickets/new/choices/", {"customer": acme.customer.pk, "part": "contact"}
    )
    names = [c.name for c in contacts.context["field"].field.queryset]
    assert names == ["acme IT"]
    found = agent_client.get(
        "/desk/tickets/new/choices/", {"customer": acme.customer.pk, "asset_q": "77x"}
    )
    assert [a.hostname for a in found.context["field"].field.queryset] == ["acme-db02"]
    # Another customer's host is never offered, whatever is typed.
    other = agent_client.get(
        "/desk/tickets/new/choices/", {"customer": acme.customer.pk, "asset_q": "globex"}
    )
    assert list(other.context["field"].field.queryset) == []


def test_the_page_is_in_the_desk_navigation_and_the_queue(acme, agent_client):
    assert 'href="/desk/tickets/new/"' in agent_client.get("/desk/").content.decode()
    page = agent_client.get("/desk/tickets/new/")
    assert page.status_code == 200
    assert "Phone" in page.content.decode()


def test_the_admin_reads_tickets_and_points_to_the_desk(acme, client):
    """The admin is a window, not a door: no "add" there, a link to the desk form instead."""
    client.force_login(get_user_model().objects.create_superuser("root", "r@x.test", "pw"))
    listing = client.get("/admin/tickets/ticket/").content.decode()
    assert 'href="/desk/tickets/new/"' in listing
    assert client.get("/admin/tickets/ticket/add/").status_code == 403


def test_without_javascript_update_narrows_the_lists_and_creates_nothing(
    clock, acme, globex, agent_client
):
    """ "Update lists and preview" posts back: the chosen customer's contacts only, a preview."""
    clock.at(ny(2025, 6, 9, 10))
    data = {"customer": globex.customer.pk, "impact": 1, "urgency": 1, "refresh": "1"}
    response = agent_client.post("/desk/tickets/new/", data)
    assert response.status_code == 200
    form = response.context["form"]
    assert [c.name for c in form.fields["contact"].queryset] == ["globex IT"]
    assert response.context["preview"].priority == 1
    assert Ticket.objects.count() == 0
