"""Only provider staff reach the desk: anonymous users go to the login page, contacts get 404."""

from __future__ import annotations

import pytest
from django.test import Client

from servicepact.tickets import services as ts

from .conftest import ny

pytestmark = pytest.mark.django_db


def _urls(acme, ticket):
    return [
        "/desk/",
        "/desk/queue/rows/",
        f"/desk/tickets/{ticket.pk}/",
        "/desk/customers/",
        f"/desk/customers/{acme.customer.pk}/",
        "/desk/contracts/",
        f"/desk/contracts/{acme.contract.pk}/",
        f"/desk/assets/{acme.asset.pk}/",
        "/desk/tickets/new/",
        f"/desk/tickets/new/choices/?customer={acme.customer.pk}",
        f"/desk/tickets/new/preview/?customer={acme.customer.pk}&impact=1&urgency=1",
    ]


def test_every_desk_page_renders_for_staff(clock, acme, agent_client):
    """Each desk page answers 200 to an agent and uses the site's stylesheet."""
    clock.at(ny(2025, 3, 3, 10))
    ticket = ts.open_ticket(customer=acme.customer, asset=acme.asset, subject="Disk failed")
    for url in _urls(acme, ticket):
        response = agent_client.get(url)
        assert response.status_code == 200, url
    page = agent_client.get("/desk/").content.decode()
    assert "/static/servicepact/app.css" in page
    assert "htmx" in page


def test_anonymous_users_are_sent_to_login(clock, acme):
    clock.at(ny(2025, 3, 3, 10))
    ticket = ts.open_ticket(customer=acme.customer, asset=acme.asset, subject="Disk failed")
    for url in _urls(acme, ticket):
        response = Client().get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/login/?next=/desk/")


def test_customer_contacts_get_404_on_every_desk_page(clock, acme, contact_client):
    clock.at(ny(2025, 3, 3, 10))
    ticket = ts.open_ticket(customer=acme.customer, asset=acme.asset, subject="Disk failed")
    for url in _urls(acme, ticket):
        assert contact_client.get(url).status_code == 404, url


def test_actions_are_post_only(clock, acme, agent_client):
    clock.at(ny(2025, 3, 3, 10))
    ticket = ts.open_ticket(customer=acme.customer, asset=acme.asset, subject="Disk failed")
    assert agent_client.get(f"/desk/tickets/{ticket.pk}/actions/acknowledge/").status_code == 405


def test_an_expired_session_reloads_the_page_into_login_instead_of_a_fragment(db):
    response = Client().get(
        "/desk/queue/rows/",
        headers={"HX-Request": "true", "HX-Current-URL": "http://testserver/desk/?priority=1"},
    )
    assert response.status_code == 200
    assert response["HX-Redirect"] == "/login/?next=/desk/%3Fpriority%3D1"
