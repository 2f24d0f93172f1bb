"""Measured commitments: each value is judged against the commitment in force when measured."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client

from servicepact.accounts.services import create_api_token
from servicepact.contracts.services import amend_contract
from servicepact.monitoring.models import Measurement
from servicepact.monitoring.selectors import measurements_for
from servicepact.monitoring.services import create_alert_source
from servicepact.tickets.models import Ticket
from servicepact.tickets.testing import world

from .conftest import ny, post_json, utc

pytestmark = [pytest.mark.django_db]

URL = "/api/v1/measurements"
KPIS = [
    {"kind": "ddos_capacity", "target": "10"},
    {"kind": "bandwidth", "target": "1000"},
    {"kind": "rpo", "target": "60"},
    {"kind": "rto", "target": "240"},
]


@pytest.fixture
def w(clock):
    clock.at(ny(2025, 6, 10, 12))
    w = world()
    amend_contract(contract=w.contract, effective_from=ny(2025, 5, 1), reason="KPIs", kpis=KPIS)
    return w


@pytest.fixture
def staff_token(w):
    return create_api_token(user=w.agent)[1]


@pytest.mark.parametrize(
    ("kind", "value", "met"),
    [
        ("ddos_capacity", "8.5", True),  # attack peak within the 10 Gbps mitigation capacity
        ("ddos_capacity", "12", False),
        ("bandwidth", "1000", True),  # at least the guaranteed 1000 Mbps
        ("bandwidth", "850", False),
        ("rpo", "45", True),  # backup age at most 60 min
        ("rpo", "61", False),
        ("rto", "240", True),  # restore drill within 240 min
        ("rto", "300", False),
    ],
)
def test_staff_measurement_is_judged_against_the_commitment(
    client, w, staff_token, kind, value, met
):
    body = {
        "contract": "ACME-1",
        "kind": kind,
        "value": value,
        "measured_at": "2025-06-10T11:00:00-04:00",
    }
    response = post_json(client, URL, body, staff_token)
    assert response.status_code == 201
    data = response.json()
    assert (data["met"], data["value"], data["ticket"]) == (met, value, None)
    stored = Measurement.objects.get()
    assert stored.commitment.kind == kind and stored.target == Decimal(KPIS_BY_KIND[kind])
    assert stored.recorded_by == w.agent and stored.source is None
    assert not Ticket.objects.exists()  # staff measurements never open tickets


KPIS_BY_KIND = {k["kind"]: k["target"] for k in KPIS}


def test_source_miss_opens_a_ticket_when_the_source_says_so(client, w):
    """The source names the asset: its contract is found through the contract line."""
    _, token = create_alert_source(
        name="netflow", kind="generic", customer=w.customer, open_ticket_on_miss=True
    )
    body = {"asset": "acme-srv01", "kind": "bandwidth", "value": 850, "unit": "Mbps"}
    data = post_json(client, URL, body, token).json()
    ticket = Ticket.objects.get()
    assert (data["met"], data["target"], data["contract"], data["ticket"]) == (
        False,
        "1000",
        w.contract.pk,
        ticket.pk,
    )
    assert (ticket.channel, ticket.category, ticket.priority) == ("monitoring", "network", 2)
    assert ticket.subject == "Guaranteed bandwidth missed: 850 Mbps (committed 1000)"
    post_json(client, URL, {**body, "value": 1200}, token)
    assert Ticket.objects.count() == 1  # met: no ticket


def test_source_without_the_flag_records_the_miss_only(client, w):
    _, token = create_alert_source(name="backup", kind="generic", customer=w.customer)
    data = post_json(
        client, URL, {"contract": w.contract.pk, "kind": "rpo", "value": 90}, token
    ).json()
    assert (data["met"], data["ticket"]) == (False, None)
    assert not Ticket.objects.exists()


def test_without_a_commitment_in_force_the_value_is_kept_unjudged(client, w, staff_token):
    """In April the contract's only version has no KPIs."""
    body = {
        "contract": "ACME-1",
        "kind": "rto",
        "value": 500,
        "measured_at": "2025-04-10T12:00:00Z",
    }
    data = post_json(client, URL, body, staff_token).json()
    assert (data["met"], data["target"]) == (None, None)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"contract": "ACME-1", "kind": "availability", "value": 99}, "kind"),
        ({"contract": "ACME-1", "kind": "ddos_capacity", "value": 5, "unit": "Mbps"}, "unit"),
        ({"contract": "ACME-1", "kind": "rpo", "value": -1}, "value"),
        (
            {
                "contract": "ACME-1",
                "kind": "rpo",
                "value": 1,
                "measured_at": "2025-06-11T12:00:00Z",
            },
            "measured_at",
        ),
        (
            {"contract": "ACME-1", "kind": "rpo", "value": 1, "measured_at": "2025-06-10T12:00:00"},
            "measured_at",
        ),
        ({"kind": "rpo", "value": 1}, "contract"),
    ],
)
def test_invalid_measurements_are_422_and_store_nothing(client, w, staff_token, body, field):
    response = post_json(client, URL, body, staff_token)
    assert response.status_code == 422
    assert [e["loc"][-1] for e in response.json()["detail"]] == [field]
    assert not Measurement.objects.exists()


def test_a_customer_scoped_source_cannot_reach_another_customers_contract(client, w):
    beta = world(code="beta")
    _, token = create_alert_source(name="beta-netflow", kind="generic", customer=beta.customer)
    response = post_json(client, URL, {"contract": "ACME-1", "kind": "rpo", "value": 1}, token)
    assert response.status_code == 404
    assert not Measurement.objects.exists()


def test_contacts_are_refused_and_strangers_unauthenticated(client, w):
    contact_token = create_api_token(user=w.contact.user)[1]
    body = {"contract": "ACME-1", "kind": "rpo", "value": 1}
    assert post_json(client, URL, body, contact_token).status_code == 403
    assert post_json(client, URL, body).status_code == 401
    assert post_json(client, URL, body, "sp_nonsense").status_code == 401
    assert not Measurement.objects.exists()


def test_staff_session_works_and_keeps_csrf(w):
    """A logged-in staff browser may post, with its CSRF token; without it: 403."""
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(w.agent)
    body = {"contract": "ACME-1", "kind": "rpo", "value": 1}
    assert post_json(strict, URL, body).status_code == 403
    relaxed = Client()
    relaxed.force_login(w.agent)
    assert post_json(relaxed, URL, body).status_code == 201


def test_measurements_for_selects_the_period(client, w, staff_token):
    for stamp in (
        "2025-05-31T23:59:59-04:00",
        "2025-06-01T00:00:00-04:00",
        "2025-06-10T11:00:00-04:00",
    ):
        post_json(
            client,
            URL,
            {"contract": "ACME-1", "kind": "rpo", "value": 5, "measured_at": stamp},
            staff_token,
        )
    june = measurements_for(w.contract, ny(2025, 6, 1), ny(2025, 7, 1))
    assert [m.measured_at for m in june] == [utc(2025, 6, 1, 4), utc(2025, 6, 10, 15)]
