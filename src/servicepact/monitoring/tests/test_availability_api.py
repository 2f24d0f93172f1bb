"""GET /api/v1/contracts/{id}/availability: staff see every contract, a contact its own."""

from __future__ import annotations

import pytest

from servicepact.accounts.services import create_api_token
from servicepact.monitoring.services import record_outage
from servicepact.tickets.testing import world

from .conftest import ny, with_availability

pytestmark = [pytest.mark.django_db]


@pytest.fixture
def two(clock):
    clock.at(ny(2025, 7, 2, 9))
    acme, beta = world(code="acme"), world(code="beta")
    with_availability(acme.contract, "99.9")
    record_outage(
        asset=acme.asset, started_at=ny(2025, 6, 3, 9), ended_at=ny(2025, 6, 3, 10), reason="psu"
    )
    return acme, beta


def url(contract, period="2025-06"):
    return f"/api/v1/contracts/{contract.pk}/availability?period={period}"


def test_contact_reads_its_own_contract_with_a_token(client, two):
    acme, _ = two
    token = create_api_token(user=acme.contact.user)[1]
    response = client.get(url(acme.contract), HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200
    data = response.json()
    assert (data["availability_percent"], data["met"]) == ("99.8611", False)
    assert data["slices"][0]["cause"] == "manual: psu"


def test_another_customers_contract_is_404_for_a_contact(client, two):
    acme, beta = two
    client.force_login(beta.contact.user)
    assert client.get(url(acme.contract)).status_code == 404
    assert client.get(url(beta.contract)).status_code == 200


def test_staff_read_any_contract_and_strangers_are_401(client, two):
    acme, beta = two
    assert client.get(url(acme.contract)).status_code == 401
    client.force_login(acme.agent)
    assert client.get(url(beta.contract)).json()["availability_percent"] == "100.0000"
    assert client.get("/api/v1/contracts/999999/availability").status_code == 404


@pytest.mark.parametrize("period", ["2025-6", "2025-13", "june", "2025-06-01"])
def test_bad_period_is_422(client, two, period):
    acme, _ = two
    client.force_login(acme.agent)
    response = client.get(url(acme.contract, period))
    assert response.status_code == 422
    assert [e["loc"][-1] for e in response.json()["detail"]] == ["period"]
