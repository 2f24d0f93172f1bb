"""Several workers against PostgreSQL: each notification is produced and delivered once."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from django.core import mail
from django.db import connection, connections

from servicepact.notifications.models import Notification, WebhookEndpoint
from servicepact.tickets.choices import EventKind
from servicepact.tickets.models import TicketEvent
from servicepact.worker.passes import PassReport, run_pass

from .conftest import open_network_tickets, setup_contract, utc

TICKETS = 40


@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_produce_each_notification_exactly_once(clock, receiver_url):
    """40 P1 tickets reach 50 % of first response at 10:30. Two worker threads, each with its
    own database connection, run passes of 5 tickets at the same time until nothing is due.
    Together they record 40 threshold events (one per clock) and deliver 120 notifications
    (per ticket: the assignee's in-app row, e-mail and the provider webhook), each once: 40
    e-mails and 40 webhook requests, no delivery id twice."""
    if connection.vendor != "postgresql":
        pytest.skip("SKIP LOCKED concurrency needs PostgreSQL (SQLite serialises writers)")
    hook, requests = receiver_url
    WebhookEndpoint.objects.create(name="provider", url=hook, secret="k")
    clock.at(utc(2025, 6, 2, 10))
    open_network_tickets(setup_contract(), TICKETS)
    clock.at(utc(2025, 6, 2, 10, 30))

    start = threading.Barrier(2)
    reports: dict[str, list[PassReport]] = {"a": [], "b": []}
    failures: list[BaseException] = []

    def worker(name: str) -> None:
        try:
            start.wait()
            while True:
                report = run_pass(batch=5)
                reports[name].append(report)
                if report.clocks.candidates == 0 and report.delivery.attempted == 0:
                    return
        except BaseException as exc:  # surfaced in the main thread below
            failures.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(n,)) for n in reports]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert not failures, failures
    processed = sum(r.clocks.tickets for rs in reports.values() for r in rs)
    delivered = sum(r.delivery.sent for rs in reports.values() for r in rs)
    failed = sum(r.clocks.failed for rs in reports.values() for r in rs)
    assert (processed, delivered, failed) == (TICKETS, 3 * TICKETS, 0)
    events = Counter(
        TicketEvent.objects.filter(kind=EventKind.THRESHOLD_CROSSED).values_list(
            "ticket_id", flat=True
        )
    )
    assert len(events) == TICKETS and set(events.values()) == {1}
    assert Notification.objects.filter(status="sent").count() == 3 * TICKETS
    mails = Counter(m.extra_headers["X-ServicePact-Delivery"] for m in mail.outbox)
    assert len(mails) == TICKETS and set(mails.values()) == {1}
    hooks = Counter(requests)
    assert len(hooks) == TICKETS and set(hooks.values()) == {1}
