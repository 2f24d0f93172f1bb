"""Zabbix and generic deliveries through the endpoint, from the sample payloads."""

from __future__ import annotations

import pytest

from servicepact.assets.models import Asset
from servicepact.monitoring.models import Alert, Outage
from servicepact.monitoring.services import create_alert_source
from servicepact.tickets.models import Ticket
from servicepact.tickets.testing import world

from .conftest import post_json, sample, utc

pytestmark = [pytest.mark.django_db]


@pytest.fixture
def acme(clock):
    clock.at(utc(2025, 6, 10, 18, 1))
    w = world()
    Asset.objects.filter(pk=w.asset.pk).update(ip_address="10.20.0.11")
    return w


def test_zabbix_problem_update_and_recovery(acme, client, clock):
    """Problem -> P3 incident (Average) and outage from 18:00; the CPU warning for the host's
    address joins it without an outage; recovery ends the outage at 18:45."""
    # Zabbix rates "agent not available" Average (P3): this source counts P1-P3 as downtime
    # (the default, P1 only, would not; docs/monitoring.md "Outages").
    _, token = create_alert_source(
        name="zabbix", kind="zabbix", customer=acme.customer, outage_max_priority=3
    )
    url = "/api/v1/alerts/zabbix"
    problem = post_json(client, url, sample("zabbix", "problem.json"), token)
    ticket = Ticket.objects.get()
    assert problem.json() == {"accepted": 1, "tickets": [ticket.pk], "unmatched": 0}
    assert (ticket.priority, ticket.subject) == (
        3,
        "Zabbix agent is not available (for 3m) on acme-srv01",
    )
    clock.at(utc(2025, 6, 10, 18, 12))
    update = post_json(client, url, sample("zabbix", "update_ack.json"), token).json()
    assert update == {"accepted": 1, "tickets": [ticket.pk], "unmatched": 0}
    clock.at(utc(2025, 6, 10, 18, 46))
    recovery = post_json(client, url, sample("zabbix", "recovery.json"), token).json()
    assert recovery == {"accepted": 1, "tickets": [ticket.pk], "unmatched": 0}
    outage = Outage.objects.get()
    assert (outage.started_at, outage.ended_at) == (utc(2025, 6, 10, 18), utc(2025, 6, 10, 18, 45))
    assert outage.cause == "alert zabbix-event-4818275"
    assert Alert.objects.get(fingerprint="zabbix-event-4818302").counts_as_outage is False


def test_generic_resolved_and_firing(acme, client, clock):
    """The UPS alert arrives already resolved (outage 18:00-18:45, no ticket); the ping alert
    for 10.20.0.11 fires: a P1 incident and an open outage from 18:05."""
    clock.at(utc(2025, 6, 10, 18, 50))
    _, token = create_alert_source(name="scripts", kind="generic", customer=acme.customer)
    response = post_json(
        client, "/api/v1/alerts/generic", sample("generic", "ups_on_battery_resolved.json"), token
    )
    ticket = Ticket.objects.get()
    assert response.json() == {"accepted": 2, "tickets": [ticket.pk], "unmatched": 0}
    assert ticket.priority == 1
    assert list(Outage.objects.order_by("started_at").values_list("started_at", "ended_at")) == [
        (utc(2025, 6, 10, 18, 0), utc(2025, 6, 10, 18, 45)),
        (utc(2025, 6, 10, 18, 5), None),
    ]


def test_generic_backup_failure_opens_a_backup_ticket_without_outage(acme, client):
    _, token = create_alert_source(name="scripts", kind="generic", customer=acme.customer)
    post_json(client, "/api/v1/alerts/generic", sample("generic", "backup_failed.json"), token)
    ticket = Ticket.objects.get()
    assert (ticket.category, ticket.priority) == ("backup", 2)
    assert not Outage.objects.exists()
