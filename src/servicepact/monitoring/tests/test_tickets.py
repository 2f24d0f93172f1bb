"""Firing alerts open or join incidents with a priority from the source's severity mapping;
resolution comments and, where the source says so, resolves them."""

from __future__ import annotations

import pytest
from django.utils import translation

from servicepact.monitoring.models import Alert, AlertSource, Outage
from servicepact.monitoring.services import create_alert_source
from servicepact.tickets import services as ts
from servicepact.tickets.choices import Channel, Status
from servicepact.tickets.models import Ticket
from servicepact.tickets.testing import world

from .conftest import am_alert, am_payload, post_json, sample, utc

pytestmark = [pytest.mark.django_db]

URL = "/api/v1/alerts/alertmanager"
T0, T1 = utc(2025, 6, 10, 18, 0), utc(2025, 6, 10, 18, 30)


def fire(client, token, fp, severity="critical", **labels):
    labels = {"instance": "acme-srv01:9100", "severity": severity, **labels}
    return post_json(client, URL, am_payload(am_alert(fp, "firing", T0, **labels)), token).json()


def resolve(client, token, fp, severity="critical"):
    alert = am_alert(fp, "resolved", T0, T1, instance="acme-srv01:9100", severity=severity)
    return post_json(client, URL, am_payload(alert), token).json()


@pytest.fixture
def setup(clock):
    clock.at(utc(2025, 6, 10, 18, 31))
    return world()


def test_default_and_custom_severity_mapping(setup, client):
    """Defaults: critical 1, warning 3, info 4; unknown -> the source's default (3). A source
    mapping {"warning": 2} and default 4 wins over them."""
    source, token = create_alert_source(name="prom", kind="alertmanager", customer=setup.customer)
    severities = ("critical", "Warning", "info", "bogus", "")
    assert [source.priority_for(s) for s in severities] == [1, 3, 4, 3, 3]
    assert source.priority_for("Not classified") == 4 and source.priority_for("Disaster") == 1
    custom = AlertSource(severity_map={"warning": 2}, default_priority=4)
    assert [custom.priority_for(s) for s in ("warning", "critical", "bogus")] == [2, 1, 4]
    fire(client, token, "w", severity="warning")
    assert Ticket.objects.get().priority == 3


def test_second_alert_on_the_asset_joins_the_open_incident(setup, client):
    """One incident per asset: a second alert joins it with an internal note (alert names are
    for staff only, issue 21)."""
    _, token = create_alert_source(name="prom", kind="alertmanager", customer=setup.customer)
    first = fire(client, token, "a")
    second = fire(client, token, "b", alertname="HighLoad", severity="warning")
    ticket = Ticket.objects.get()
    assert first["tickets"] == second["tickets"] == [ticket.pk]
    comment = ticket.comments.get()
    assert comment.body == (
        "Monitoring: alert HighLoad (warning) is firing on acme-srv01 since 2025-06-10T18:00:00+00:00."
    )
    assert comment.is_internal is True and comment.author is None
    # Stored as a kind and parameters, shown in the reader's language (old rows: the body).
    assert comment.system_kind == "alert_firing"
    with translation.override("zh-hans"):
        assert comment.text == (
            "监控：告警 HighLoad（warning）自 2025-06-10T18:00:00+00:00 起在 acme-srv01 上触发。"
        )
    with translation.override("en"):
        assert comment.text == comment.body
    # The warning is no downtime (outages default to priority 1): only the critical's outage.
    assert list(Outage.objects.values_list("alert__fingerprint", flat=True)) == ["a"]


def test_alert_joins_a_customer_reported_incident_and_never_auto_resolves_it(setup, client):
    """A portal incident on the asset is joined; auto-resolve only resolves monitoring tickets."""
    _, token = create_alert_source(
        name="prom", kind="alertmanager", customer=setup.customer, auto_resolve=True
    )
    reported = ts.open_ticket(
        customer=setup.customer, contact=setup.contact, asset=setup.asset, subject="site slow"
    )
    ts.acknowledge_ticket(ticket=reported, actor=setup.agent)
    fire(client, token, "a")
    resolve(client, token, "a")
    reported.refresh_from_db()
    assert Ticket.objects.count() == 1
    assert reported.status == Status.ACKNOWLEDGED
    assert Alert.objects.get().ticket == reported


def test_auto_resolve_waits_for_the_last_alert_and_for_acknowledgement(setup, client):
    """Auto-resolve: not while another alert of the ticket fires; not a ticket nobody
    acknowledged (that would fake the first response); yes once both hold."""
    _, token = create_alert_source(
        name="prom", kind="alertmanager", customer=setup.customer, auto_resolve=True
    )
    fire(client, token, "a")
    fire(client, token, "b", alertname="HighLoad")
    ticket = Ticket.objects.get()
    resolve(client, token, "a")
    ticket.refresh_from_db()
    assert ticket.status == Status.NEW
    ts.acknowledge_ticket(ticket=ticket, actor=setup.agent)
    resolve(client, token, "b")
    ticket.refresh_from_db()
    assert ticket.status == Status.RESOLVED
    assert ticket.events.get(kind="resolved").data["resolution"] == (
        "Resolved automatically: the monitoring alert cleared."
    )
    assert "InstanceDown" not in ticket.events.get(kind="resolved").data["resolution"]


def test_auto_resolve_off_leaves_the_ticket_to_staff(setup, client):
    _, token = create_alert_source(name="prom", kind="alertmanager", customer=setup.customer)
    fire(client, token, "a")
    ticket = Ticket.objects.get()
    ts.acknowledge_ticket(ticket=ticket, actor=setup.agent)
    resolve(client, token, "a")
    ticket.refresh_from_db()
    assert ticket.status == Status.ACKNOWLEDGED
    assert Outage.objects.get().ended_at == T1


def test_outage_threshold_and_label_decide_what_counts_as_downtime(setup, client):
    """outage_max_priority=2: a warning (P3) opens a ticket but no outage; the label
    servicepact_outage=true makes it one anyway; =false keeps a critical out."""
    _, token = create_alert_source(
        name="prom", kind="alertmanager", customer=setup.customer, outage_max_priority=2
    )
    fire(client, token, "warn", severity="warning")
    fire(client, token, "warn-forced", severity="warning", servicepact_outage="true")
    fire(client, token, "crit-excluded", servicepact_outage="false")
    fire(client, token, "crit")
    assert sorted(Outage.objects.values_list("alert__fingerprint", flat=True)) == [
        "crit",
        "warn-forced",
    ]
    assert Ticket.objects.get().channel == Channel.MONITORING


def test_a_late_copy_of_an_ended_episode_changes_nothing(setup, client):
    """A firing delivery arriving after its own resolution (retries, reordering) is stale."""
    _, token = create_alert_source(name="prom", kind="alertmanager", customer=setup.customer)
    fire(client, token, "a")
    resolve(client, token, "a")
    fire(client, token, "a")
    alert = Alert.objects.get()
    assert alert.status == "resolved"
    assert alert.transitions.count() == 2
    assert Outage.objects.get().ended_at == T1


def test_resolved_alert_never_seen_firing_records_the_outage_without_a_ticket(setup, client):
    """Monitoring missed the firing delivery: the episode's downtime still counts."""
    _, token = create_alert_source(name="prom", kind="alertmanager", customer=setup.customer)
    assert resolve(client, token, "late") == {"accepted": 1, "tickets": [], "unmatched": 0}
    assert list(Outage.objects.values_list("started_at", "ended_at")) == [(T0, T1)]
    assert not Ticket.objects.exists()


def test_sample_with_explicit_asset_label(setup, client):
    """The disk alert names its asset explicitly and is not an outage; the conntrack alert only
    resolves and its instance matches nothing."""
    _, token = create_alert_source(name="prom", kind="alertmanager", customer=setup.customer)
    result = post_json(
        client, URL, sample("alertmanager", "mixed_explicit_asset.json"), token
    ).json()
    ticket = Ticket.objects.get()
    assert result == {"accepted": 2, "tickets": [ticket.pk], "unmatched": 1}
    assert (ticket.priority, ticket.asset) == (3, setup.asset)
    assert not Outage.objects.exists()


def test_two_alerts_of_a_resolved_ticket_firing_in_one_delivery_reopen_it_once(
    setup, client, clock
):
    """Auto-resolved at 18:30; both alerts fire again at 18:40 in one group: the ticket is
    reopened once and both alerts stay on it."""
    _, token = create_alert_source(
        name="prom", kind="alertmanager", customer=setup.customer, auto_resolve=True
    )
    fire(client, token, "a")
    fire(client, token, "b", alertname="HighLoad")
    ticket = Ticket.objects.get()
    ts.acknowledge_ticket(ticket=ticket, actor=setup.agent)
    resolve(client, token, "a")
    resolve(client, token, "b")
    ticket.refresh_from_db()
    assert ticket.status == Status.RESOLVED
    clock.at(utc(2025, 6, 10, 18, 41))
    again = utc(2025, 6, 10, 18, 40)
    both = am_payload(
        am_alert("a", "firing", again, instance="acme-srv01:9100"),
        am_alert("b", "firing", again, instance="acme-srv01:9100", alertname="HighLoad"),
    )
    assert post_json(client, URL, both, token).json()["tickets"] == [ticket.pk]
    ticket.refresh_from_db()
    assert ticket.status == Status.IN_PROGRESS
    assert ticket.events.filter(kind="reopened").count() == 1
    assert set(Alert.objects.values_list("ticket", flat=True)) == {ticket.pk}
