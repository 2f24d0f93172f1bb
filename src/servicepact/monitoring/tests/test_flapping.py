"""Flapping: >= N state changes within W minutes are one incident with one merged outage."""

from __future__ import annotations

import pytest
from django.utils import translation

from servicepact.accounts.services import create_api_token
from servicepact.monitoring.models import Alert, Outage
from servicepact.monitoring.services import create_alert_source
from servicepact.tickets import services as ts
from servicepact.tickets.choices import Status
from servicepact.tickets.models import Ticket
from servicepact.tickets.testing import world

from .conftest import am_alert, am_payload, post_json, utc

pytestmark = [pytest.mark.django_db]

URL = "/api/v1/alerts/alertmanager"


def flap(client, clock, token, minutes):
    """Fires at even minutes after 18:00 UTC and resolves at odd ones; each delivery is posted
    a few seconds after its event."""
    for i, minute in enumerate(minutes):
        at = utc(2025, 6, 10, 18, minute)
        clock.at(utc(2025, 6, 10, 18, minute, 5))
        if i % 2 == 0:
            alert = am_alert("flappy", "firing", at, instance="acme-srv01:9100")
            starts = at
        else:
            alert = am_alert("flappy", "resolved", starts, at, instance="acme-srv01:9100")
        assert post_json(client, URL, am_payload(alert), token).status_code == 200


def test_flapping_alert_is_one_ticket_and_one_merged_outage(clock, client):
    """4 changes within 30 min mark it flapping: 18:00-18:10 with three ups and downs is one
    outage 18:00-18:10 (the others merged into it) and one ticket with three comments: resolved,
    firing again, flapping. Quiet again at 20:00, the next firing is a normal one."""
    clock.at(utc(2025, 6, 10, 17, 0))
    w = world()
    _, token = create_alert_source(name="prom", kind="alertmanager", customer=w.customer)

    flap(client, clock, token, [0, 2, 4, 6, 8, 10])

    ticket = Ticket.objects.get()
    alert = Alert.objects.get()
    assert alert.flapping is True
    assert alert.transitions.count() == 6
    kept = Outage.objects.filter(merged_into__isnull=True)
    assert list(kept.values_list("started_at", "ended_at")) == [
        (utc(2025, 6, 10, 18, 0), utc(2025, 6, 10, 18, 10))
    ]
    assert Outage.objects.filter(merged_into=kept.get()).count() == 1
    bodies = [c.body for c in ticket.comments.order_by("id")]
    assert len(bodies) == 3
    assert bodies[0].startswith("Monitoring: alert InstanceDown on acme-srv01 resolved at")
    assert bodies[1].startswith("Monitoring: alert InstanceDown is firing again since")
    assert bodies[2] == (
        "Monitoring: alert InstanceDown is flapping (4 state changes within 30 min); further "
        "changes are merged into this incident and one outage."
    )

    clock.at(utc(2025, 6, 10, 20, 0, 5))
    again = am_alert("flappy", "firing", utc(2025, 6, 10, 20, 0), instance="acme-srv01:9100")
    post_json(client, URL, am_payload(again), token)
    alert.refresh_from_db()
    assert alert.flapping is False
    assert Outage.objects.filter(merged_into__isnull=True).count() == 2
    assert Ticket.objects.count() == 1


def test_the_merged_outages_reason_is_written_in_the_readers_language(clock, client):
    """The reason is stored as a note beside its English text: the API answers in the
    caller's language; an outage recorded before notes shows its stored text."""
    clock.at(utc(2025, 6, 10, 17, 0))
    w = world()
    _, token = create_alert_source(name="prom", kind="alertmanager", customer=w.customer)
    flap(client, clock, token, [0, 2, 4, 6, 8, 10])
    kept = Outage.objects.get(merged_into__isnull=True)
    assert kept.reason == "flapping: merged"
    assert kept.reason_note == {"kind": "outage_flapping_merged", "params": {}}
    with translation.override("zh-hans"):
        assert kept.reason_text == "频繁抖动：已合并"
    with translation.override("en"):
        assert kept.reason_text == "flapping: merged"

    bearer = f"Bearer {create_api_token(user=w.agent)[1]}"
    reasons = {}
    for language in ("zh-Hans", "en"):
        response = client.get(
            "/api/v1/outages", HTTP_AUTHORIZATION=bearer, HTTP_ACCEPT_LANGUAGE=language
        )
        assert response.status_code == 200, response.content
        reasons[language] = [o["reason"] for o in response.json()["items"] if o["id"] == kept.pk]
    assert reasons == {"zh-Hans": ["频繁抖动：已合并"], "en": ["flapping: merged"]}

    Outage.objects.filter(pk=kept.pk).update(reason_note={})  # a row written before notes
    kept.refresh_from_db()
    with translation.override("zh-hans"):
        assert kept.reason_text == "flapping: merged"


def test_thresholds_are_per_source(clock, client):
    """With 6 transitions in 5 minutes required, the same sequence is three separate outages."""
    clock.at(utc(2025, 6, 10, 17, 0))
    w = world()
    _, token = create_alert_source(
        name="prom",
        kind="alertmanager",
        customer=w.customer,
        flap_transitions=6,
        flap_window_minutes=5,
    )
    flap(client, clock, token, [0, 2, 4, 6, 8, 10])
    assert Alert.objects.get().flapping is False
    assert Outage.objects.filter(merged_into__isnull=True).count() == 3


def test_flapping_after_auto_resolve_reopens_the_same_ticket(clock, client):
    """Auto-resolve closes the acknowledged incident at 18:02; the alert fires again at 18:04
    (within the window): the same ticket is reopened, and once flapping it stays open."""
    clock.at(utc(2025, 6, 10, 17, 0))
    w = world()
    _, token = create_alert_source(
        name="prom", kind="alertmanager", customer=w.customer, auto_resolve=True
    )
    flap(client, clock, token, [0])
    ticket = Ticket.objects.get()
    ts.acknowledge_ticket(ticket=ticket, actor=w.agent)
    flap(client, clock, token, [0, 2])
    ticket.refresh_from_db()
    assert ticket.status == Status.RESOLVED

    flap(client, clock, token, [4, 6])

    ticket.refresh_from_db()
    assert Ticket.objects.count() == 1
    assert ticket.status == Status.IN_PROGRESS
    kinds = list(ticket.events.order_by("id").values_list("kind", flat=True))
    assert kinds.count("resolved") == 1 and kinds.count("reopened") == 1
    assert Alert.objects.get().flapping is True
