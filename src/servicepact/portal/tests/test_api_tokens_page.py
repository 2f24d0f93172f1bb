"""Customer contacts manage their own API tokens on the same page, in the portal's layout."""

from __future__ import annotations

import pytest
from django.test import Client

from servicepact.accounts.models import ApiToken
from servicepact.tickets.testing import world

pytestmark = pytest.mark.django_db


def test_a_contact_creates_a_token_under_the_portal_navigation(clock):
    w = world(code="acme")
    client = Client()
    client.force_login(w.contact.user)
    response = client.post("/account/tokens/", {"name": "monitoring", "expires": "0"})
    assert response.status_code == 200
    token = ApiToken.objects.get(user=w.contact.user)
    assert token.expires_at is None and token.name == "monitoring"
    page = response.content.decode()
    assert 'href="/portal/' in page and 'href="/desk/' not in page
    me = Client(headers={"Authorization": f"Bearer {response.context['new_secret']}"})
    assert me.get("/api/v1/me").json()["contact"]["id"] == w.contact.pk
