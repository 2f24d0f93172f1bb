"""Monitoring rules that produce money: auto-resolve, what is downtime and since when, and the
category of a monitoring incident (issue 11, "Monitoring and clocks that produce wrong money")."""

from __future__ import annotations

from datetime import timedelta

import pytest

from servicepact.contracts.choices import Metric
from servicepact.monitoring.availability import contract_availability
from servicepact.monitoring.models import Alert, Outage
from servicepact.monitoring.rules import detection_delay, parse_duration
from servicepact.monitoring.services import create_alert_source
from servicepact.tickets import services as ts
from servicepact.tickets.choices import Category, Channel, Status
from servicepact.tickets.models import SlaClock, Ticket
from servicepact.tickets.testing import world

from .conftest import am_alert, am_payload, post_json, utc, with_availability

pytestmark = [pytest.mark.django_db]

URL = "/api/v1/alerts/alertmanager"
T0, T1 = utc(2025, 6, 10, 18, 0), utc(2025, 6, 10, 18, 10)
HOST = "acme-srv01:9100"


def send(client, token, fp, status="firing", ends=None, annotations=None, **labels):
    labels = {"instance": HOST, **labels}
    alert = am_alert(fp, status, T0, ends, **labels)
    if annotations:
        alert["annotations"].update(annotations)
    return post_json(client, URL, am_payload(alert), token).json()


@pytest.fixture
def setup(clock):
    clock.at(utc(2025, 6, 10, 18, 31))
    return world()


def auto_source(setup, name="prom", **kw):
    kw.setdefault("auto_resolve", True)
    return create_alert_source(name=name, kind="alertmanager", customer=setup.customer, **kw)


# ---------------------------------------------------------------- auto-resolve


def test_a_worked_ticket_joined_by_an_alert_is_not_auto_resolved(setup, client):
    """The demo's "Redundant PSU failed": a ticket on channel monitoring that no alert opened,
    acknowledged and worked. NodeDown joins it and resolves: the ticket stays open (only a
    comment), because the alert did not open it."""
    _, token = auto_source(setup)
    psu = ts.open_ticket(
        customer=setup.customer,
        asset=setup.asset,
        subject="Redundant PSU failed",
        category=Category.HARDWARE,
        channel=Channel.MONITORING,
    )
    ts.acknowledge_ticket(ticket=psu, actor=setup.agent)
    ts.start_work(ticket=psu, actor=setup.agent)
    send(client, token, "nd", alertname="NodeDown")
    send(client, token, "nd", "resolved", T1, alertname="NodeDown")
    psu.refresh_from_db()
    alert = Alert.objects.get()
    assert (alert.ticket_id, alert.opened_ticket, alert.status) == (psu.pk, False, "resolved")
    assert psu.status == Status.IN_PROGRESS
    assert not psu.events.filter(kind="resolved").exists()
    assert Ticket.objects.count() == 1


def test_a_ticket_with_two_alerts_resolves_only_when_both_resolved(setup, client):
    """ "a" opens the incident, "b" joins it. The joined alert resolving first changes
    nothing; the opener resolving while "b" fires changes nothing; the last one resolves.
    (Flapping is set out of reach: a flapping alert never auto-resolves, tested elsewhere.)"""
    _, token = auto_source(setup, flap_transitions=10)
    send(client, token, "a")
    send(client, token, "b", alertname="HighLoad")
    ticket = Ticket.objects.get()
    ts.acknowledge_ticket(ticket=ticket, actor=setup.agent)
    assert dict(Alert.objects.values_list("fingerprint", "opened_ticket")) == {
        "a": True,
        "b": False,
    }
    send(client, token, "b", "resolved", T1, alertname="HighLoad")
    ticket.refresh_from_db()
    assert ticket.status == Status.ACKNOWLEDGED
    again = am_alert("b", "firing", T1 + timedelta(minutes=1), instance=HOST, alertname="HighLoad")
    post_json(client, URL, am_payload(again), token)  # "b" fires again
    assert Alert.objects.get(fingerprint="b").status == "firing"
    send(client, token, "a", "resolved", T1)
    ticket.refresh_from_db()
    assert ticket.status == Status.ACKNOWLEDGED
    send(client, token, "b", "resolved", T1 + timedelta(minutes=5), alertname="HighLoad")
    ticket.refresh_from_db()
    assert ticket.status == Status.RESOLVED


def test_another_sources_alert_still_firing_keeps_the_ticket_open(setup, client):
    """The opener resolves, but an alert of another source that joined still fires."""
    _, prom = auto_source(setup)
    _, other = auto_source(setup, name="other")
    send(client, prom, "a")
    send(client, other, "z", alertname="DiskFull")
    ticket = Ticket.objects.get()
    ts.acknowledge_ticket(ticket=ticket, actor=setup.agent)
    send(client, prom, "a", "resolved", T1)
    ticket.refresh_from_db()
    assert ticket.status == Status.ACKNOWLEDGED


def test_a_source_does_not_resolve_a_ticket_another_sources_alert_opened(setup, client):
    """ "other" opened the incident and its alert resolved first (no auto-resolve there);
    prom's alert only joined: its resolution leaves the ticket to staff."""
    _, other = auto_source(setup, name="other", auto_resolve=False)
    _, prom = auto_source(setup)
    send(client, other, "z", alertname="DiskFull")
    send(client, prom, "a")
    ticket = Ticket.objects.get()
    ts.acknowledge_ticket(ticket=ticket, actor=setup.agent)
    send(client, other, "z", "resolved", T1, alertname="DiskFull")
    send(client, prom, "a", "resolved", T1)
    ticket.refresh_from_db()
    assert ticket.status == Status.ACKNOWLEDGED


# ---------------------------------------------------------------- downtime


def test_a_warning_is_no_downtime_by_default(setup, client, clock):
    """A 10-minute severity=warning CPU alert opens a P3 ticket but no outage: the month
    loses no availability."""
    with_availability(setup.contract, "99.9")
    _, token = auto_source(setup)
    send(client, token, "cpu", alertname="HighCpu", severity="warning")
    send(client, token, "cpu", "resolved", T1, alertname="HighCpu", severity="warning")
    assert Ticket.objects.get().priority == 3
    assert Alert.objects.get().counts_as_outage is False
    assert Outage.objects.count() == 0
    clock.at(utc(2025, 7, 2))
    result = contract_availability(setup.contract, 2025, 6)
    assert result.unplanned_downtime_seconds == 0


def test_a_critical_alert_is_downtime_by_default(setup, client, clock):
    """The negative of the above: critical (P1) still opens an outage of 10 minutes."""
    with_availability(setup.contract, "99.9")
    _, token = auto_source(setup)
    send(client, token, "down")
    send(client, token, "down", "resolved", T1)
    outage = Outage.objects.get()
    assert (outage.started_at, outage.ended_at) == (T0, T1)
    clock.at(utc(2025, 7, 2))
    assert contract_availability(setup.contract, 2025, 6).unplanned_downtime_seconds == 600


def test_detection_delay_moves_the_outage_start_back(setup, client):
    """A source with a 5-minute detection delay: the outage starts at 17:55 for an alert
    starting at 18:00; the alert itself and its ticket keep 18:00."""
    _, token = auto_source(setup, detection_delay_seconds=300)
    send(client, token, "down")
    send(client, token, "down", "resolved", T1)
    outage = Outage.objects.get()
    assert (outage.started_at, outage.ended_at) == (T0 - timedelta(minutes=5), T1)
    assert Alert.objects.get().starts_at == T0


def test_the_alerts_for_annotation_wins_over_the_source_delay(setup, client):
    """annotation for=10m beats the source's 5 minutes; a bad annotation falls back to it."""
    _, token = auto_source(setup, detection_delay_seconds=300)
    send(client, token, "a", annotations={"for": "10m"})
    send(client, token, "b", alertname="Other", annotations={"for": "soon"})
    starts = dict(Outage.objects.values_list("alert__fingerprint", "started_at"))
    assert starts == {"a": T0 - timedelta(minutes=10), "b": T0 - timedelta(minutes=5)}


def test_the_delay_never_reaches_back_before_the_previous_episode(setup, client, clock):
    """Resolved at 18:10, fires again at 18:12 with a 5-minute delay: the second outage starts
    at 18:10 (the end of the first), not 18:07, so the two never overlap."""
    _, token = auto_source(setup, detection_delay_seconds=300)
    send(client, token, "a")
    send(client, token, "a", "resolved", T1)
    again = am_alert("a", "firing", T1 + timedelta(minutes=2), instance=HOST)
    post_json(client, URL, am_payload(again), token)
    assert list(Outage.objects.values_list("started_at", "ended_at")) == [
        (T0 - timedelta(minutes=5), T1),
        (T1, None),
    ]


@pytest.mark.parametrize(
    ("raw", "seconds"),
    [("5m", 300), ("1h30m", 5400), ("90s", 90), ("300", 300), ("", None), ("5 min", None)],
)
def test_parse_duration(raw, seconds):
    assert parse_duration(raw) == seconds


def test_detection_delay_is_capped_at_a_day(setup):
    source, _ = auto_source(setup)
    assert detection_delay(source, {"for": "48h"}) == 86_400


# ---------------------------------------------------------------- category


def test_a_monitoring_incident_is_not_hardware_by_default(setup, client):
    """No mapping: category "other", so no on-site clock starts for a monitoring blip."""
    _, token = auto_source(setup)
    send(client, token, "a", alertname="NodeDown")
    ticket = Ticket.objects.get()
    assert ticket.category == Category.OTHER
    assert not SlaClock.objects.filter(ticket=ticket, metric=Metric.ON_SITE).exists()


def test_the_sources_category_map_by_label_then_severity(setup, client):
    """label=value beats severity; the alert's servicepact_category label beats both."""
    _, token = auto_source(
        setup,
        category_map={"alertname=PsuFailed": "hardware", "critical": "os"},
        default_category="network",
    )
    expected = [
        ({"alertname": "PsuFailed"}, "hardware"),
        ({"alertname": "NodeDown"}, "os"),
        ({"alertname": "NodeDown", "severity": "info"}, "network"),
        ({"alertname": "PsuFailed", "servicepact_category": "backup"}, "backup"),
    ]
    got = []
    for i, (labels, _category) in enumerate(expected):
        Ticket.objects.update(status=Status.CLOSED)  # each alert opens its own incident
        send(client, token, f"fp{i}", **labels)
        got.append(Ticket.objects.order_by("-pk").first().category)
    assert got == [c for _, c in expected]


def test_a_bad_category_map_names_the_field(setup):
    from servicepact.core.errors import DomainValidationError

    with pytest.raises(DomainValidationError) as caught:
        auto_source(setup, category_map={"critical": "furniture"})
    assert "category_map" in caught.value.errors
    assert Alert.objects.count() == 0


# ---------------------------------------------------------------- the command


def test_alertsource_create_takes_the_money_settings():
    """--outage-max-priority, --detection-delay (a duration) and --default-category; a bad
    value names its option and creates nothing."""
    from io import StringIO

    from django.core.management import CommandError, call_command

    from servicepact.monitoring.models import AlertSource

    quiet = {"stdout": StringIO(), "stderr": StringIO()}
    call_command(
        "alertsource", "create", "zbx", "--kind", "zabbix", "--outage-max-priority", "3",
        "--detection-delay", "5m", "--default-category", "network", **quiet,
    )  # fmt: skip
    source = AlertSource.objects.get()
    assert (source.outage_max_priority, source.detection_delay_seconds) == (3, 300)
    assert source.default_category == "network"
    with pytest.raises(CommandError, match="detection-delay: expected a duration"):
        call_command(
            "alertsource", "create", "b", "--kind", "zabbix", "--detection-delay", "soon", **quiet
        )
    with pytest.raises(CommandError, match="default_category"):
        call_command(
            "alertsource", "create", "c", "--kind", "zabbix", "--default-category", "x", **quiet
        )
    assert AlertSource.objects.count() == 1


def test_triage_replays_past_episodes_with_the_detection_delay(setup, client):
    """An unmatched alert fired 18:00-18:10 with a 5-minute delay; assigned to the asset
    later, its past episode becomes the outage 17:55-18:10, like a matched one."""
    from servicepact.monitoring.services import assign_alert_asset

    _, token = auto_source(setup, detection_delay_seconds=300)
    for status, ends in (("firing", None), ("resolved", T1)):
        post_json(
            client, URL, am_payload(am_alert("u", status, T0, ends, instance="10.9.9.9")), token
        )
    assert Outage.objects.count() == 0
    assign_alert_asset(alert=Alert.objects.get(), asset=setup.asset)
    assert list(Outage.objects.values_list("started_at", "ended_at")) == [
        (T0 - timedelta(minutes=5), T1)
    ]
