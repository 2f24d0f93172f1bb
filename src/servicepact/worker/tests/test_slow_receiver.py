"""A webhook receiver that does not answer cannot hold up the SLA work.

The outbox step of a pass waits at most OUTBOX_PASS_BUDGET for its sends; a send still in
flight then finishes in the background and records its own outcome. Here the receiver
(a real HTTP server on loopback) holds every request until the test lets it answer, and the
read timeout is 30 s: the passes below return while the receiver still holds the request,
so they did not wait for it, and their due clocks were processed. Once the receiver answers
503 the deliveries are failed with the usual backoff, and the next pass sends them.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from servicepact.notifications.delivery import drain
from servicepact.notifications.models import Notification, WebhookEndpoint
from servicepact.tickets import services as ts
from servicepact.tickets.choices import Category, EventKind
from servicepact.tickets.models import TicketEvent
from servicepact.worker.passes import run_pass

from .conftest import setup_contract, utc

pytestmark = pytest.mark.django_db(transaction=True)


@dataclass
class HeldReceiver:
    url: str = ""
    release: threading.Event = field(default_factory=threading.Event)
    answered: list[int] = field(default_factory=list)  # status of each answer given
    arrival: threading.Semaphore = field(default_factory=lambda: threading.Semaphore(0))


@pytest.fixture
def held_receiver() -> Iterator[HeldReceiver]:
    """Requests that arrive before ``release`` is set wait for it, then get a 503; later
    requests get a 200 at once."""
    state = HeldReceiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers["Content-Length"]))
            held = not state.release.is_set()
            state.arrival.release()
            state.release.wait(60)
            status = 503 if held else 200
            state.answered.append(status)
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    ).start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    yield state
    state.release.set()
    drain(timeout=10)
    server.shutdown()
    server.server_close()


@pytest.fixture(autouse=True)
def slow_receiver_settings(settings):
    settings.SERVICEPACT = {
        **settings.SERVICEPACT,
        "WEBHOOK_CONNECT_TIMEOUT": 3.0,
        "WEBHOOK_TIMEOUT": 30.0,
        "OUTBOX_PASS_BUDGET": 0.5,
        "NOTIFY_BACKOFF_SECONDS": 60,
    }


def webhook(ticket) -> tuple[str, int]:
    row = Notification.objects.get(channel="webhook", ticket_id=ticket.pk)
    return row.status, row.attempts


def thresholds_crossed(*tickets):
    return TicketEvent.objects.filter(
        ticket__in=tickets, kind=EventKind.THRESHOLD_CROSSED
    ).order_by("at")


def open_p1(s, subject: str):
    return ts.open_ticket(
        customer=s.customer,
        contact=s.contact,
        subject=subject,
        impact=1,
        urgency=1,
        category=Category.NETWORK,
    )


def test_passes_with_due_clocks_do_not_wait_for_a_receiver_that_does_not_answer(
    clock, held_receiver
):
    """Two P1 tickets on 24x7 (first response 60 min), opened 02:00 and 02:01: their 50 %
    thresholds fall at 02:30 and 02:31. The 02:30 pass records the first and returns with its
    webhook in flight, unanswered. The 02:31 pass, the receiver still silent, records the
    second on time. The receiver then answers both with 503: each row is failed and retried
    60 s after its outcome was recorded (02:31 + 60 s); the 02:32 pass sends both."""
    clock.at(utc(2025, 6, 1, 1))
    s = setup_contract()
    WebhookEndpoint.objects.create(name="provider", url=held_receiver.url)
    clock.at(utc(2025, 6, 1, 2))
    first = open_p1(s, "Router down")
    clock.at(utc(2025, 6, 1, 2, 1))
    second = open_p1(s, "Switch down")

    clock.at(utc(2025, 6, 1, 2, 30))
    assert run_pass().clocks.thresholds == 1
    assert held_receiver.arrival.acquire(timeout=10)  # the request reached the receiver...
    assert held_receiver.answered == []  # ...which has not answered: the pass did not wait
    assert webhook(first) == ("pending", 1)  # attempted, leased, outcome not known yet

    clock.at(utc(2025, 6, 1, 2, 31))
    assert run_pass().clocks.thresholds == 1
    assert [(e.ticket_id, e.at) for e in thresholds_crossed(first, second)] == [
        (first.pk, utc(2025, 6, 1, 2, 30)),
        (second.pk, utc(2025, 6, 1, 2, 31)),
    ]
    assert held_receiver.arrival.acquire(timeout=10)
    assert held_receiver.answered == []
    assert (webhook(first), webhook(second)) == (("pending", 1), ("pending", 1))

    held_receiver.release.set()
    assert drain(timeout=10)
    assert held_receiver.answered == [503, 503]
    rows = list(Notification.objects.filter(channel="webhook"))
    retry_at = utc(2025, 6, 1, 2, 32)  # recorded at 02:31, + 60 s
    assert [(r.status, r.attempts, r.next_attempt_at) for r in rows] == [
        ("failed", 1, retry_at),
        ("failed", 1, retry_at),
    ]
    assert {r.last_error for r in rows} == {"HTTPError: HTTP Error 503: Service Unavailable"}

    clock.at(retry_at - timedelta(seconds=1))
    assert run_pass().delivery.attempted == 0
    clock.at(retry_at)
    run_pass()
    assert drain(timeout=10)
    assert held_receiver.answered == [503, 503, 200, 200]
    assert set(
        Notification.objects.filter(channel="webhook").values_list("status", "attempts")
    ) == {("sent", 2)}
    # The service manager's e-mails and in-app rows went out meanwhile, each once.
    assert set(
        Notification.objects.exclude(channel="webhook").values_list("status", "attempts")
    ) == {("sent", 1)}
