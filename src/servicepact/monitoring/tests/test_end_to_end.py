"""Alertmanager firing -> ticket and outage -> resolved -> the month's availability figure."""

from __future__ import annotations

from decimal import Decimal

import pytest

from servicepact.monitoring.models import Alert, AlertTransition, Outage
from servicepact.monitoring.services import create_alert_source
from servicepact.tickets.choices import Channel, Status
from servicepact.tickets.models import Ticket
from servicepact.tickets.testing import world

from .conftest import post_json, sample, utc, with_availability

pytestmark = [pytest.mark.django_db]

ALERTS = "/api/v1/alerts/alertmanager"


def test_firing_opens_ticket_and_outage_resolved_closes_it_and_availability_follows(clock, client):
    """The sample group fires at 18:00Z (14:00 New York) for acme-srv01:9100 and for an
    unknown 10.20.0.99; it resolves at 18:45Z. June 2025 in New York has 30 x 86,400 =
    2,592,000 s; 2,700 s down gives 1 - 2700/2592000 = 99.895833..% -> 99.8958 %, below the
    99.9 % commitment."""
    clock.at(utc(2025, 6, 10, 18, 1))
    w = world()
    with_availability(w.contract, "99.9")
    _, token = create_alert_source(name="prom", kind="alertmanager", customer=w.customer)

    response = post_json(client, ALERTS, sample("alertmanager", "firing_group.json"), token)

    assert response.status_code == 200
    ticket = Ticket.objects.get()
    assert response.json() == {"accepted": 2, "tickets": [ticket.pk], "unmatched": 1}
    assert (ticket.channel, ticket.priority, ticket.asset_id, ticket.status) == (
        Channel.MONITORING,
        1,
        w.asset.pk,
        Status.NEW,
    )
    assert ticket.subject == "InstanceDown on acme-srv01"
    outage = Outage.objects.get()
    assert (outage.asset_id, outage.started_at, outage.ended_at) == (
        w.asset.pk,
        utc(2025, 6, 10, 18, 0),
        None,
    )
    assert outage.cause == "alert 5ea1d1e8b7d4f33a"
    assert outage.ticket_id == ticket.pk

    clock.at(utc(2025, 6, 10, 18, 50))
    response = post_json(client, ALERTS, sample("alertmanager", "resolved.json"), token)

    assert response.json() == {"accepted": 1, "tickets": [ticket.pk], "unmatched": 0}
    outage.refresh_from_db()
    assert outage.ended_at == utc(2025, 6, 10, 18, 45)
    alert = Alert.objects.get(fingerprint="5ea1d1e8b7d4f33a")
    assert (alert.status, alert.ends_at, alert.receipts) == ("resolved", outage.ended_at, 2)
    assert list(alert.transitions.values_list("status", flat=True)) == ["firing", "resolved"]
    body = ticket.comments.get().body
    assert body.startswith(
        "Monitoring: alert InstanceDown on acme-srv01 resolved at 2025-06-10T18:45:00"
    )
    assert "(firing for 45m)" in body
    ticket.refresh_from_db()
    assert ticket.status == Status.NEW  # auto-resolve is off for this source

    clock.at(utc(2025, 7, 2, 12, 0))
    staff = w.agent
    client.force_login(staff)
    result = client.get(f"/api/v1/contracts/{w.contract.pk}/availability?period=2025-06").json()
    assert {k: v for k, v in result.items() if k != "slices"} == {
        "contract_id": w.contract.pk,
        "contract_number": "ACME-1",
        "period": "2025-06",
        "calendar": "24x7",
        "measured_seconds": 2_592_000,
        "unplanned_downtime_seconds": 2_700,
        "planned_downtime_seconds": 0,
        "availability_percent": "99.8958",
        "commitment_percent": "99.9000",
        "met": False,
    }
    assert result["slices"] == [
        {
            "asset_id": w.asset.pk,
            "hostname": "acme-srv01",
            "start": "2025-06-10T18:00:00Z",
            "end": "2025-06-10T18:45:00Z",
            "seconds": 2700,
            "planned": False,
            "cause": "alert 5ea1d1e8b7d4f33a",
            "change_id": None,
        }
    ]


def test_repeated_firing_updates_one_alert(clock, client):
    """Alertmanager re-sends a firing group every repeat_interval: one alert, one transition,
    one outage, one ticket; only the delivery count and last_received_at move."""
    clock.at(utc(2025, 6, 10, 18, 1))
    w = world()
    _, token = create_alert_source(name="prom", kind="alertmanager", customer=w.customer)
    payload = sample("alertmanager", "firing_group.json")
    first = post_json(client, ALERTS, payload, token).json()
    clock.at(utc(2025, 6, 10, 22, 1))
    second = post_json(client, ALERTS, payload, token).json()

    assert first == second
    assert Alert.objects.count() == 2
    assert AlertTransition.objects.count() == 2
    assert Outage.objects.count() == 1
    assert Ticket.objects.count() == 1
    alert = Alert.objects.get(fingerprint="5ea1d1e8b7d4f33a")
    assert (alert.receipts, alert.last_received_at) == (2, utc(2025, 6, 10, 22, 1))
    assert Ticket.objects.get().comments.count() == 0


def test_availability_of_the_current_month_is_measured_to_date(clock, client):
    """On 10 June 14:50 New York, June is measured from 1 June 00:00 local: 9 days and
    14h50m = 831,000 s; the 45 min outage gives 1 - 2700/831000 = 99.675090..% -> 99.6750 %."""
    clock.at(utc(2025, 6, 10, 18, 1))
    w = world()
    with_availability(w.contract, "99.5")
    _, token = create_alert_source(name="prom", kind="alertmanager", customer=w.customer)
    post_json(client, ALERTS, sample("alertmanager", "firing_group.json"), token)
    clock.at(utc(2025, 6, 10, 18, 50))
    post_json(client, ALERTS, sample("alertmanager", "resolved.json"), token)

    client.force_login(w.agent)
    result = client.get(f"/api/v1/contracts/{w.contract.pk}/availability").json()

    assert (result["period"], result["measured_seconds"]) == ("2025-06", 831_000)
    assert result["availability_percent"] == "99.6750"
    assert result["met"] is True
    assert Decimal(result["commitment_percent"]) == Decimal("99.5")
