"""``/metrics``: access rules, request series by route name, ServicePact's gauges."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import resolve
from prometheus_client.parser import text_string_to_metric_families

from servicepact.core.heartbeat import record_heartbeat
from servicepact.monitoring.ingest import ingest_alerts
from servicepact.monitoring.models import Alert
from servicepact.monitoring.services import create_alert_source, drain_inbox, queue_alerts
from servicepact.monitoring.sources.base import ParsedAlert
from servicepact.notifications.models import Notification
from servicepact.notifications.services import Message, enqueue
from servicepact.tickets import services as ts
from servicepact.tickets.choices import OPEN_STATUSES
from servicepact.tickets.models import Ticket
from servicepact.tickets.sla_state import count_by_state
from servicepact.tickets.testing import ny, world


def scrape(client: Client | None = None, **extra: Any) -> dict[tuple[str, tuple], float]:
    response = (client or Client()).get("/metrics", **extra)
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/plain; version=")
    samples = {}
    for family in text_string_to_metric_families(response.content.decode()):
        for s in family.samples:
            samples[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return samples


@pytest.mark.django_db
def test_loopback_without_a_token_is_allowed_by_default():
    """The test client's REMOTE_ADDR is 127.0.0.1; ::1 is loopback too."""
    assert Client().get("/metrics").status_code == 200
    assert Client(REMOTE_ADDR="::1").get("/metrics").status_code == 200


@pytest.mark.django_db
def test_other_addresses_and_proxied_requests_are_refused(settings):
    """An outside address is 403; so is loopback when X-Forwarded-For says a proxy relayed it
    (the proxy's address is not the client's), and a wrong or unconfigured token."""
    assert Client(REMOTE_ADDR="203.0.113.9").get("/metrics").status_code == 403
    assert Client().get("/metrics", HTTP_X_FORWARDED_FOR="203.0.113.9").status_code == 403
    assert Client().get("/metrics", HTTP_AUTHORIZATION="Bearer anything").status_code == 403
    settings.SERVICEPACT = {**settings.SERVICEPACT, "METRICS_TOKEN": "s3cret-token"}
    wrong = Client(REMOTE_ADDR="203.0.113.9").get("/metrics", HTTP_AUTHORIZATION="Bearer s3cret")
    assert wrong.status_code == 403


@pytest.mark.django_db
def test_a_bearer_token_or_an_allow_listed_network_lets_others_in(settings):
    settings.SERVICEPACT = {
        **settings.SERVICEPACT,
        "METRICS_TOKEN": "s3cret-token",
        "METRICS_ALLOW": ["10.1.0.0/16"],
    }
    outside = Client(REMOTE_ADDR="203.0.113.9")
    assert outside.get("/metrics", HTTP_AUTHORIZATION="Bearer s3cret-token").status_code == 200
    assert Client(REMOTE_ADDR="10.1.200.3").get("/metrics").status_code == 200
    assert Client(REMOTE_ADDR="10.2.0.1").get("/metrics").status_code == 403
    # The allow-list replaces the loopback default.
    assert Client().get("/metrics").status_code == 403


@pytest.mark.django_db
def test_requests_are_counted_by_route_name_method_and_status_not_by_path():
    """Two ticket pages of different ids are one series (the route's name), not two paths."""
    before = scrape()
    client = Client()
    client.get("/api/v1/tickets/101")
    client.get("/api/v1/tickets/202")
    client.post("/healthz")
    client.get("/no-such-page")
    after = scrape()

    def grew(name: str, **labels: str) -> float:
        key = (name, tuple(sorted(labels.items())))
        return after.get(key, 0.0) - before.get(key, 0.0)

    detail = resolve("/api/v1/tickets/101").view_name  # e.g. "api:get_ticket_detail"
    assert detail.startswith("api:")
    total = "servicepact_http_requests_total"
    assert grew(total, route=detail, method="GET", status="401") == 2
    assert grew(total, route="healthz", method="POST", status="200") == 1
    assert grew(total, route="unmatched", method="GET", status="404") == 1
    assert not [k for k in after if "101" in str(k) or "no-such-page" in str(k)]
    duration = "servicepact_http_request_duration_seconds_count"
    assert grew(duration, route=detail, method="GET", status="401") == 2


@pytest.mark.django_db
def test_servicepact_gauges(clock):
    """Monday 2 June 2025, New York business hours (acme's plan: P1 first response 30 min,
    P4 first response 240 min and resolution 2400 min).

    - A (P1) opened 10:00: first response due 10:30, passed at 10:45 -> breached. No worker
      ran: that clock has been due since its 50 % threshold at 10:15 -> one due clock, 30 min
      of lag (every other clock's next check is later).
    - B (P4) opened 10:00: first response due 14:00; 45 of 240 minutes used (19 %) -> on track.
    - C (P4) opened 10:00 and acknowledged 10:05: only resolution runs, due 40 business hours
      later -> on track.
    - D (P4) acknowledged then waiting on the customer: paused.
    - E resolved: not open, not counted.
    - F: the alert matched to acme-srv01, ingested at 10:05, opens a ticket with the source's
      default priority 3 (first response 120 min, due 12:05; 40 min used, 33 %) -> on track.
    The states are the desk queue's (at risk from 75 % of a target), so the gauge and the queue
    counts agree.
    Outbox: 2 pending, 1 dead. Alerts: one matched to acme-srv01, one for an unknown host.
    The newest heartbeat is 10:40 (ok), an older worker failed at 10:44.
    """
    clock.at(ny(2025, 6, 2, 10))
    w = world()

    def open_(subject: str, impact: int, urgency: int):
        return ts.open_ticket(
            customer=w.customer, contact=w.contact, subject=subject, impact=impact, urgency=urgency
        )

    open_("A", 1, 1)
    open_("B", 4, 4)
    c = open_("C", 4, 4)
    d = open_("D", 4, 4)
    e = open_("E", 4, 4)
    clock.at(ny(2025, 6, 2, 10, 5))
    for t in (c, d, e):
        ts.acknowledge_ticket(ticket=t, actor=w.agent)
    ts.pause_ticket(ticket=d, actor=w.agent, reason="waiting for logs")
    ts.resolve_ticket(ticket=e, actor=w.agent, resolution="fixed")
    Notification.objects.all().delete()
    for n in range(3):
        enqueue(
            key=f"k{n}",
            channel="email",
            recipient="ops@example.com",
            message=Message(event="test", subject="s", body="b"),
        )
    Notification.objects.filter(idempotency_key="k2").update(status="dead")
    source, _token = create_alert_source(name="prom", kind="alertmanager")
    ingest_alerts(
        source=source,
        alerts=[
            ParsedAlert("fp1", "firing", "Disk", ny(2025, 6, 2, 10), hosts=("acme-srv01",)),
            ParsedAlert("fp2", "firing", "Disk", ny(2025, 6, 2, 10), hosts=("ghost-host",)),
        ],
    )
    record_heartbeat(at=ny(2025, 6, 2, 10, 40), ok=True, worker="w1")
    record_heartbeat(at=ny(2025, 6, 2, 10, 44), ok=False, failed_steps=1, worker="w2")
    clock.at(ny(2025, 6, 2, 10, 45))

    m = scrape()

    def g(name: str, **labels: str) -> float:
        return m[(name, tuple(sorted(labels.items())))]

    states = ("breached", "at_risk", "on_track", "paused", "met", "no_sla")
    assert [g("servicepact_open_tickets", sla_state=s) for s in states] == [1, 0, 3, 1, 0, 0]
    open_now = Ticket.objects.filter(status__in=OPEN_STATUSES)
    assert {s: g("servicepact_open_tickets", sla_state=s) for s in states} == {
        s: n for s, n in count_by_state(open_now, ny(2025, 6, 2, 10, 45))[1].items() if s in states
    }
    assert Alert.objects.get(fingerprint="fp1").ticket.priority == 3
    assert g("servicepact_due_clocks") == 1
    assert g("servicepact_worker_lag_seconds") == 30 * 60
    assert g("servicepact_outbox_backlog", status="pending") == 2
    assert g("servicepact_outbox_backlog", status="failed") == 0
    assert g("servicepact_outbox_dead_letters") == 1
    assert g("servicepact_worker_last_pass_timestamp_seconds") == ny(2025, 6, 2, 10, 44).timestamp()
    assert (
        g("servicepact_worker_last_success_timestamp_seconds") == ny(2025, 6, 2, 10, 40).timestamp()
    )
    assert g("servicepact_alerts") == 2
    assert g("servicepact_alerts_unmatched") == 1
    assert g("servicepact_alert_inbox_pending", unit="deliveries") == 0
    assert g("servicepact_alert_inbox_lag_seconds") == 0


@pytest.mark.django_db
def test_the_alert_inbox_gauges_show_waiting_deliveries_and_their_lag(clock):
    clock.at(ny(2025, 6, 2, 10))
    world()
    source, _token = create_alert_source(name="prom", kind="alertmanager")
    two = [
        ParsedAlert(f"fp{i}", "firing", "Disk", ny(2025, 6, 2, 10), hosts=("x",)) for i in (1, 2)
    ]
    queue_alerts(source=source, alerts=two, received_at=ny(2025, 6, 2, 10))
    clock.at(ny(2025, 6, 2, 10, 1, 30))
    m = scrape()
    assert m[("servicepact_alert_inbox_pending", (("unit", "deliveries"),))] == 1
    assert m[("servicepact_alert_inbox_pending", (("unit", "alerts"),))] == 2
    assert m[("servicepact_alert_inbox_lag_seconds", ())] == 90
    assert m[("servicepact_alert_inbox_failed", ())] == 0
    assert drain_inbox() == 2
    assert scrape()[("servicepact_alert_inbox_lag_seconds", ())] == 0


@pytest.mark.django_db
def test_gauges_are_zero_on_an_empty_database(clock):
    """Nothing due, no lag, no worker yet: the timestamps are 0, which the alert rules read as
    "never"."""
    clock.at(ny(2025, 6, 2, 10))
    m = scrape()
    assert m[("servicepact_due_clocks", ())] == 0
    assert m[("servicepact_worker_lag_seconds", ())] == 0
    assert m[("servicepact_worker_last_pass_timestamp_seconds", ())] == 0
    assert m[("servicepact_open_tickets", (("sla_state", "breached"),))] == 0


def test_a_malformed_allow_list_is_a_start_up_error(settings):
    from servicepact.ops.checks import metrics_allow_list

    settings.SERVICEPACT = {**settings.SERVICEPACT, "METRICS_ALLOW": ["10.0.0.0/8", "10.0.0/33"]}
    (error,) = metrics_allow_list()
    assert error.id == "servicepact.E002"
    assert "'10.0.0/33' is not an address or a CIDR network" in error.msg
    settings.SERVICEPACT = {**settings.SERVICEPACT, "METRICS_ALLOW": ["10.0.0.0/8", "::1"]}
    assert metrics_allow_list() == []
