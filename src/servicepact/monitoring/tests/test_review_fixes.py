"""Edge cases found in review: ambiguous hostnames, contracts not in force, odd periods."""

from __future__ import annotations

from datetime import date

import pytest

from servicepact.accounts.services import create_api_token
from servicepact.assets.models import Asset, ContractLine
from servicepact.contracts.services import create_contract, terminate_contract
from servicepact.core.errors import DomainValidationError
from servicepact.monitoring.availability import parse_period
from servicepact.monitoring.models import Measurement
from servicepact.tickets.testing import world

from .conftest import ny, post_json

pytestmark = [pytest.mark.django_db]

URL = "/api/v1/measurements"


@pytest.mark.parametrize("text", ["2025-6", " 2025-6", "2025-13", "9999-12", "25-06", "2025-06-01"])
def test_malformed_or_unbounded_periods_are_refused(text):
    """Only YYYY-MM with a real month (and a following month) is a period."""
    with pytest.raises(DomainValidationError) as exc:
        parse_period(text)
    assert list(exc.value.errors) == ["period"]


def test_a_period_parses_to_year_and_month():
    assert parse_period("2025-06") == (2025, 6)


def test_a_hostname_of_two_customers_is_not_guessed(client, clock):
    """Staff measure on 'srv01', which both Acme and Globex have: 422 on asset, nothing stored."""
    clock.at(ny(2025, 6, 10, 12))
    acme, globex = world(code="acme"), world(code="globex")
    for w in (acme, globex):
        Asset.objects.filter(pk=w.asset.pk).update(hostname="srv01")
    token = create_api_token(user=acme.agent)[1]
    body = {"asset": "srv01", "kind": "bandwidth", "value": "900"}
    response = post_json(client, URL, body, token)
    assert response.status_code == 422
    assert [e["loc"][-1] for e in response.json()["detail"]] == ["asset"]
    assert not Measurement.objects.exists()


def test_a_terminated_contract_on_the_asset_does_not_make_it_ambiguous(client, clock):
    """The asset is on ACME-1 (active) and ACME-OLD (terminated): the measurement goes to ACME-1."""
    clock.at(ny(2025, 6, 10, 12))
    w = world()
    old = create_contract(number="ACME-OLD", customer=w.customer, plan=w.plan,
                          start_date=date(2025, 1, 1), end_date=date(2026, 12, 31))  # fmt: skip
    ContractLine.objects.create(contract=old, asset=w.asset, start_date=date(2025, 1, 1))
    terminate_contract(contract=old, on=date(2025, 3, 1), reason="Replaced by ACME-1")
    token = create_api_token(user=w.agent)[1]
    response = post_json(
        client, URL, {"asset": w.asset.hostname, "kind": "bandwidth", "value": "900"}, token
    )
    assert response.status_code == 201
    assert Measurement.objects.get().contract == w.contract
