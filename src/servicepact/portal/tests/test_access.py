"""The portal is for customer contacts: anonymous users log in, staff go to the desk."""

from __future__ import annotations

import pytest
from django.test import Client

from servicepact.tickets import services as ts
from servicepact.tickets.testing import user

from .conftest import login, ny

pytestmark = pytest.mark.django_db


def _urls(acme, ticket):
    return [
        "/portal/",
        "/portal/?show=closed",
        "/portal/tickets/new/",
        "/portal/tickets/preview/",
        f"/portal/tickets/{ticket.pk}/",
        "/portal/contracts/",
        f"/portal/contracts/{acme.contract.pk}/",
        "/portal/assets/",
        f"/portal/assets/{acme.asset.pk}/",
    ]


def test_every_portal_page_renders_for_the_contact(clock, acme, contact_client):
    clock.at(ny(2025, 3, 3, 10))
    ticket = ts.open_ticket(
        customer=acme.customer, contact=acme.contact, asset=acme.asset, subject="Disk"
    )
    for url in _urls(acme, ticket):
        assert contact_client.get(url).status_code == 200, url


def test_anonymous_users_are_sent_to_login(clock, acme):
    clock.at(ny(2025, 3, 3, 10))
    ticket = ts.open_ticket(customer=acme.customer, asset=acme.asset, subject="Disk")
    for url in _urls(acme, ticket):
        response = Client().get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/login/?next=/portal/")


def test_staff_are_redirected_to_the_desk(clock, acme, agent_client):
    assert agent_client.get("/portal/")["Location"] == "/desk/"


def test_a_user_without_a_contact_gets_404(db):
    assert login(user("stranger")).get("/portal/").status_code == 404


def test_root_sends_contacts_to_the_portal_and_staff_to_the_desk(
    acme, contact_client, agent_client
):
    assert contact_client.get("/")["Location"] == "/portal/"
    assert agent_client.get("/")["Location"] == "/desk/"


def test_login_and_logout(acme):
    client = Client(enforce_csrf_checks=True)
    page = client.get("/login/")
    assert page.status_code == 200
    assert 'autocomplete="current-password"' in page.content.decode()
    token = page.cookies["csrftoken"].value
    response = client.post(
        "/login/",
        {"username": "acme-it", "password": "pw-acme-it", "csrfmiddlewaretoken": token},
    )
    assert response.status_code == 302
    assert client.get("/portal/").status_code == 200
    # A GET only asks; signing out is a POST with the CSRF token.
    assert client.get("/logout/").status_code == 200
    assert client.get("/portal/").status_code == 200
    token = client.cookies["csrftoken"].value
    assert client.post("/logout/").status_code == 403  # no token
    response = client.post("/logout/", {"csrfmiddlewaretoken": token})
    assert response["Location"] == "/login/"
    assert client.get("/portal/").status_code == 302


def test_a_wrong_password_is_reported(acme):
    response = Client().post("/login/", {"username": "acme-it", "password": "nope"})
    assert response.status_code == 200
    assert "do not match" in response.content.decode()
