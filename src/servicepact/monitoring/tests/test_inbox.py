"""The alert inbox: every delivery appended with one INSERT and answered at once (production's
default), stored by the worker in set-based batches with the same outcome as one by one; its
lag is readable (API, desk, Prometheus); a delivery is stored once even with two workers."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection, transaction
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from servicepact.assets.models import Asset, ContractLine
from servicepact.core.time import now as current_time
from servicepact.monitoring import inbox, ingest
from servicepact.monitoring.models import Alert, AlertTransition, Outage, QueuedAlerts
from servicepact.monitoring.services import create_alert_source, queue_alerts
from servicepact.monitoring.sources import PARSERS, ParsedAlert
from servicepact.tickets.models import Comment, Ticket, TicketEvent
from servicepact.tickets.testing import world

from .conftest import am_alert, am_payload, drain, post_json, utc

pytestmark = [pytest.mark.django_db]

ALERTS = "/api/v1/alerts/alertmanager"
T0 = utc(2025, 6, 10, 18, 0)
QUEUE_ALL = override_settings(SERVICEPACT={"ALERT_INLINE_MAX": 0})  # production's default


def _source(w: Any) -> tuple[Any, str]:
    second = Asset.objects.create(
        customer=w.customer, site=w.site, hostname=f"{w.customer.code}-srv02"
    )
    ContractLine.objects.create(contract=w.contract, asset=second, start_date=w.contract.start_date)
    return create_alert_source(
        name=f"prom-{w.customer.code}", kind="alertmanager", customer=w.customer
    )


def _script(code: str) -> list[tuple[int, dict[str, Any]]]:
    """(minutes after T0 it arrives, Alertmanager body): new alerts on two hosts and an unknown
    one, repeats, resolutions, a late copy, a re-firing that reopens nothing (the ticket is
    open), an episode reported already resolved, and flapping."""
    one, two = f"{code}-srv01:9100", f"{code}-srv02:9100"

    def at(m: int) -> Any:
        return T0 + timedelta(minutes=m)

    fire_a = am_alert("a", "firing", at(0), instance=one)
    fire_b = am_alert("b", "firing", at(0), instance=one, severity="warning")
    fire_x = am_alert("x", "firing", at(0), instance="nobody:9100")
    fire_c = am_alert("c", "firing", at(2), instance=two)
    return [
        (1, am_payload(fire_a, fire_b, fire_x)),
        # repeats (b's details changed: written, receipts counted); c is new
        (
            2,
            am_payload(fire_a, {**fire_b, "annotations": {"summary": "b changed"}}, fire_x, fire_c),
        ),
        (12, am_payload(am_alert("a", "resolved", at(0), at(10), instance=one))),
        (13, am_payload(am_alert("a", "firing", at(0), instance=one))),  # late copy
        (16, am_payload(am_alert("a", "firing", at(15), instance=one))),  # fires again
        (
            21,
            am_payload(
                am_alert("a", "resolved", at(15), at(20), instance=one),
                am_alert("b", "resolved", at(0), at(20), instance=one),
                am_alert("e", "resolved", at(5), at(9), instance=two),  # never seen firing
            ),
        ),
        (23, am_payload(am_alert("a", "firing", at(22), instance=one))),  # 4th change: flapping
        (26, am_payload(am_alert("a", "resolved", at(22), at(25), instance=one))),
        (27, am_payload(am_alert("c", "resolved", at(2), at(26), instance=two))),
    ]


def _one_by_one(source: Any, alerts: list[ParsedAlert]) -> None:
    """The per-alert pipeline on its own (ingest.py's steps, as before batching existed)."""
    with transaction.atomic():
        fingerprints = {a.fingerprint for a in alerts}
        known = {
            a.fingerprint: a
            for a in Alert.objects.filter(source=source, fingerprint__in=fingerprints)
        }
        for parsed in alerts:
            ingest._receive(source, parsed, current_time(), known, {})


def _parse(body: dict[str, Any]) -> list[ParsedAlert]:
    return [a for a in PARSERS["alertmanager"](body) if isinstance(a, ParsedAlert)]


def _outcome(customer: Any, code: str) -> dict[str, Any]:
    """Everything ingestion wrote for a customer, without ids, numbers and hostnames' prefix."""

    def norm(text: str) -> str:
        return text.replace(code, "CODE").replace(code.title(), "CODE")

    tickets = {
        t.pk: i
        for i, t in enumerate(Ticket.objects.filter(customer=customer).order_by("opened_at", "id"))
    }
    alerts = Alert.objects.filter(source__customer=customer).order_by("fingerprint")
    return {
        "alerts": [
            (
                a.fingerprint,
                a.status,
                a.starts_at,
                a.ends_at,
                a.receipts,
                a.flapping,
                a.opened_ticket,
                tickets.get(a.ticket_id or 0),
                norm(a.match_note),
                a.asset.hostname.replace(code, "CODE") if a.asset else None,
                norm(a.summary),
                a.priority,
            )
            for a in alerts
        ],
        "transitions": [
            (t.alert.fingerprint, t.status, t.at)
            for t in AlertTransition.objects.filter(alert__in=alerts).order_by(
                "alert__fingerprint", "at", "id"
            )
        ],
        "outages": [
            (
                o.alert.fingerprint if o.alert else None,  # (filtered by alert: always one)
                o.started_at,
                o.ended_at,
                o.merged_into_id is not None,
                o.reason,
            )
            for o in Outage.objects.filter(alert__in=alerts).order_by("alert__fingerprint", "id")
        ],
        "tickets": [
            (norm(t.subject), t.status, t.priority, t.category)
            for t in Ticket.objects.filter(customer=customer).order_by("opened_at", "id")
        ],
        "notes": [
            (tickets[c.ticket_id], norm(c.body), c.is_internal)
            for c in Comment.objects.filter(ticket__customer=customer).order_by("ticket_id", "id")
        ],
        "events": sorted(
            (tickets[e.ticket_id], e.kind)
            for e in TicketEvent.objects.filter(ticket__customer=customer)
        ),
    }


def test_worker_batches_store_exactly_what_one_by_one_storage_stores(clock):
    """The same deliveries: for ACME stored alert by alert as they arrive (ingest.py's steps
    alone), for Beta queued and stored by ONE drain (one batch: known alerts read once, runs
    of new alerts, repeats and resolutions written in bulk, the rest alert by alert, in
    order)."""
    clock.at(T0)
    acme, beta = world(code="acme"), world(code="beta")
    acme_source, _ = _source(acme)
    beta_source, _ = _source(beta)
    for minute, body in _script("acme"):
        clock.at(T0 + timedelta(minutes=minute))
        _one_by_one(acme_source, _parse(body))
    for minute, body in _script("beta"):
        clock.at(T0 + timedelta(minutes=minute))
        queue_alerts(source=beta_source, alerts=_parse(body), received_at=current_time())
    assert not Alert.objects.filter(source=beta_source).exists()
    clock.at(T0 + timedelta(minutes=30))
    assert drain() == sum(len(_parse(b)) for _, b in _script("beta"))

    expected = _outcome(acme.customer, "acme")
    got = _outcome(beta.customer, "beta")
    for key in expected:
        assert got[key] == expected[key], key
    # The script did reach every case (so the comparison means something).
    by_fp = {row[0]: row for row in expected["alerts"]}
    assert by_fp["a"][5] is True  # flapping
    assert by_fp["e"][1:4] == ("resolved", T0 + timedelta(minutes=5), T0 + timedelta(minutes=9))
    assert by_fp["x"][9] is None and by_fp["a"][4] == 8
    assert len(expected["tickets"]) == 2 and any(o[3] for o in expected["outages"])


def test_a_small_delivery_is_one_insert_answered_at_once_then_stored_by_the_drain(client, clock):
    clock.at(utc(2025, 6, 10, 18, 1))
    w = world()
    _, token = create_alert_source(name="prom", kind="alertmanager", customer=w.customer)
    body = am_payload(
        am_alert("fp1", "firing", T0, instance="acme-srv01:9100"),
        am_alert("fp2", "firing", T0, instance="acme-srv01:9100"),
        am_alert("fp3", "firing", T0, instance="unknown:9100"),
    )
    with QUEUE_ALL, CaptureQueriesContext(connection) as queries:
        response = post_json(client, ALERTS, body, token)
    assert response.status_code == 202
    assert response.json() == {"accepted": 3, "queued": 3, "tickets": [], "unmatched": 0}
    writes = [q["sql"] for q in queries.captured_queries if not q["sql"].startswith("SELECT")]
    assert [w.split()[0] for w in writes if w.split()[0] in ("INSERT", "UPDATE", "DELETE")] == [
        "INSERT"
    ]
    assert not Alert.objects.exists()
    row = QueuedAlerts.objects.get()
    assert (row.alert_count, row.received_at, row.processed_at) == (3, current_time(), None)

    clock.at(utc(2025, 6, 10, 18, 3))
    assert drain() == 3
    ticket = Ticket.objects.get()
    assert Alert.objects.filter(ticket=ticket).count() == 2
    assert Alert.objects.get(fingerprint="fp3").asset is None
    assert [c.body for c in Comment.objects.all()] == [
        f"Monitoring: alert InstanceDown (critical) is firing on acme-srv01 since {T0.isoformat()}."
    ]
    assert Outage.objects.count() == 2
    # Stored as received at 18:01, not when the worker ran.
    assert set(Alert.objects.values_list("first_received_at", flat=True)) == {
        utc(2025, 6, 10, 18, 1)
    }


def test_a_drain_reads_the_known_alerts_once_and_matches_each_host_once(clock):
    """50 deliveries of 4 alerts on 2 hosts (and an unknown one), all new, in one batch: the
    query count does not grow with the alerts."""
    clock.at(utc(2025, 6, 10, 18, 1))
    w = world()
    source, _ = _source(w)
    hosts = ["acme-srv01:9100", "acme-srv02:9100", "nobody:9100", "acme-srv01:9100"]
    for d in range(50):
        alerts = [am_alert(f"d{d}-{i}", "firing", T0, instance=h) for i, h in enumerate(hosts)]
        queue_alerts(source=source, alerts=_parse(am_payload(*alerts)), received_at=current_time())
    with CaptureQueriesContext(connection) as queries:
        assert drain() == 200
    alert_reads = [q for q in queries.captured_queries if 'FROM "monitoring_alert"' in q["sql"]]
    asset_reads = [q for q in queries.captured_queries if 'FROM "assets_asset"' in q["sql"]]
    assert len(alert_reads) == 1
    # Two tickets opened (their clocks and events), everything else in bulk; per alert, the
    # old pipeline ran about 13 queries (2,600 here).
    assert len(queries.captured_queries) < 150, len(queries.captured_queries)
    assert len(asset_reads) < 20
    # The source's customer (the scope named in match notes) comes with the claimed rows, not
    # one read per delivery.
    customer_reads = [
        q for q in queries.captured_queries if 'FROM "customers_customer"' in q["sql"]
    ]
    assert len(customer_reads) < 5, len(customer_reads)
    assert Ticket.objects.count() == 2 and Comment.objects.count() == 148
    assert Outage.objects.count() == 150


def test_a_drain_reads_the_sources_customer_with_the_claimed_rows(clock):
    """30 deliveries, each with an alert on a host nobody knows: every match note names the
    source's customer ("… of ACME"), read with the claimed rows, not once per delivery."""
    clock.at(utc(2025, 6, 10, 18, 1))
    w = world()
    source, _ = _source(w)
    for d in range(30):
        alert = am_alert(f"u{d}", "firing", T0, instance=f"nobody-{d}:9100")
        queue_alerts(source=source, alerts=_parse(am_payload(alert)), received_at=current_time())
    with CaptureQueriesContext(connection) as queries:
        assert drain() == 30
    customer_reads = [
        q for q in queries.captured_queries if 'FROM "customers_customer"' in q["sql"]
    ]
    assert len(customer_reads) < 3, len(customer_reads)
    assert Alert.objects.filter(asset=None).count() == 30


def _one_queued(clock: Any) -> Any:
    """ACME and one firing alert queued at 18:01."""
    clock.at(utc(2025, 6, 10, 18, 1))
    w = world()
    source, _ = create_alert_source(name="prom", kind="alertmanager", customer=w.customer)
    body = am_payload(am_alert("fp1", "firing", T0, instance="acme-srv01:9100"))
    queue_alerts(source=source, alerts=_parse(body), received_at=current_time())
    return w


def test_inbox_status_shows_the_lag_to_staff_and_is_forbidden_to_contacts(client, clock):
    w = _one_queued(clock)
    clock.at(utc(2025, 6, 10, 18, 3))
    client.force_login(w.agent)
    assert client.get("/api/v1/alert-inbox").json() == {
        "pending_deliveries": 1,
        "pending_alerts": 1,
        "oldest_received_at": "2025-06-10T18:01:00Z",
        "oldest_age_seconds": 120.0,
        "failed_deliveries": 0,
    }
    page = client.get("/desk/alerts/").content.decode()
    assert "1 delivery (1 alerts) waits to be stored; the oldest arrived 2\xa0minutes ago." in page
    assert drain() == 1
    assert client.get("/api/v1/alert-inbox").json()["pending_deliveries"] == 0
    page = client.get("/desk/alerts/").content.decode()
    assert "Every alert delivery received has been stored." in page
    client.force_login(w.contact.user)
    assert client.get("/api/v1/alert-inbox").status_code == 403


def test_a_delivery_given_up_on_is_counted_apart(client, clock):
    w = _one_queued(clock)
    row = QueuedAlerts.objects.get()
    row.alerts[0]["name"] = None  # a corrupted row fails every time
    row.save()
    for _ in range(inbox.MAX_ATTEMPTS):
        assert inbox.drain_inbox() == 0
    client.force_login(w.agent)
    status = client.get("/api/v1/alert-inbox").json()
    assert (status["pending_deliveries"], status["failed_deliveries"]) == (0, 1)
    assert "1 delivery failed repeatedly" in client.get("/desk/alerts/").content.decode()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_never_store_a_delivery_twice(clock):
    """PostgreSQL: while one worker holds a batch (claimed, not committed), another skips
    it (SKIP LOCKED) instead of waiting or storing it too."""
    if connection.vendor != "postgresql":
        pytest.skip("SKIP LOCKED is PostgreSQL's; SQLite serialises writers (IMMEDIATE)")
    clock.at(utc(2025, 6, 10, 18, 1))
    w = world()
    source, _ = create_alert_source(name="prom", kind="alertmanager", customer=w.customer)
    alerts = [am_alert(f"fp{i}", "firing", T0, instance="acme-srv01:9100") for i in range(3)]
    queue_alerts(source=source, alerts=_parse(am_payload(*alerts)), received_at=current_time())
    claimed, release = threading.Event(), threading.Event()
    held: list[int] = []

    def other_worker() -> None:
        try:
            with transaction.atomic():
                held.append(len(inbox._claim(inbox._waiting([], 10, None)[0])))
                claimed.set()
                release.wait(10)
        finally:
            connection.close()

    thread = threading.Thread(target=other_worker)
    thread.start()
    assert claimed.wait(10)
    assert inbox.drain_inbox() == 0  # the row is locked: skipped, not waited for
    release.set()
    thread.join(10)
    assert held == [1]
    assert drain() == 3 and drain() == 0
    assert Alert.objects.count() == 3 and AlertTransition.objects.count() == 3


def test_a_big_delivery_is_one_insert_of_rows_that_keep_their_alert_count(clock, monkeypatch):
    clock.at(T0)
    w = world()
    source, _ = create_alert_source(name="prom", kind="alertmanager", customer=w.customer)
    monkeypatch.setattr(inbox, "CHUNK", 2)
    alerts = [am_alert(f"fp{i}", "firing", T0, instance="acme-srv01:9100") for i in range(5)]
    with CaptureQueriesContext(connection) as queries:
        queue_alerts(source=source, alerts=_parse(am_payload(*alerts)), received_at=T0)
    assert [q["sql"].split()[0] for q in queries.captured_queries] == ["INSERT"]
    assert list(QueuedAlerts.objects.values_list("position", "alert_count")) == [
        (0, 2),
        (2, 2),
        (4, 1),
    ]


def test_an_empty_inbox_costs_one_select_and_a_pass_ends_with_what_was_waiting(clock):
    """The worker polls the inbox often: nothing waiting is one SELECT, no transaction (no
    savepoint or BEGIN/COMMIT). A pass that took everything waiting ends without asking
    again."""
    clock.at(utc(2025, 6, 10, 18, 1))
    w = world()
    source, _ = _source(w)
    with CaptureQueriesContext(connection) as queries:
        assert inbox.drain_inbox() == 0
    assert [q["sql"].split()[0] for q in queries.captured_queries] == ["SELECT"]
    for d in range(3):
        alert = am_alert(f"d{d}", "firing", T0, instance="acme-srv01:9100")
        queue_alerts(source=source, alerts=_parse(am_payload(alert)), received_at=current_time())
    with CaptureQueriesContext(connection) as queries:
        assert inbox.drain_inbox() == 3
    inbox_reads = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].startswith("SELECT") and 'FROM "monitoring_queuedalerts"' in q["sql"]
    ]
    assert len(inbox_reads) == 2, inbox_reads  # what waits, then the claim of it
    assert not QueuedAlerts.objects.filter(processed_at=None).exists()
