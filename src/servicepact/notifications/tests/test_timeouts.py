"""Webhook delivery has its own connect and read timeouts, sends concurrently, and gives one
receiver at most NOTIFY_PER_ENDPOINT threads."""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from servicepact.notifications.delivery import deliver_due, drain
from servicepact.notifications.models import Notification, WebhookEndpoint
from servicepact.notifications.services import Message, notify_email, notify_webhooks

from .conftest import utc

pytestmark = pytest.mark.django_db

T0 = utc(2025, 6, 2, 10)


@pytest.fixture
def full_backlog_port() -> Iterator[int]:
    """A listening port whose accept queue is full: the kernel drops new SYNs, so a
    connection attempt hangs until the client's connect timeout."""
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(0)
    port = server.getsockname()[1]
    fillers = []
    for _ in range(4):
        filler = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        filler.setblocking(False)
        with contextlib.suppress(BlockingIOError):  # in progress: the SYN is queued
            filler.connect(("127.0.0.1", port))
        fillers.append(filler)
    yield port
    for filler in fillers:
        filler.close()
    server.close()


def test_an_unreachable_receiver_fails_on_the_connect_timeout(frozen, full_backlog_port, settings):
    """Connect timeout 0.3 s, read timeout 60 s: the attempt fails on connecting, so the
    error names the connect timeout (the read timeout never started)."""
    settings.SERVICEPACT = {
        **settings.SERVICEPACT,
        "WEBHOOK_CONNECT_TIMEOUT": 0.3,
        "WEBHOOK_TIMEOUT": 60.0,
    }
    WebhookEndpoint.objects.create(name="down", url=f"http://127.0.0.1:{full_backlog_port}/h")
    frozen(T0)
    notify_webhooks(key="k", message=Message("ticket.threshold_crossed", "s", "b"))
    assert deliver_due().failed == 1
    assert Notification.objects.get().last_error == "TimeoutError: timed out connecting (0.3 s)"


def test_a_silent_receiver_fails_on_the_read_timeout(frozen, silent_port, settings):
    """The connection is accepted (by the kernel) but nothing answers: the read timeout."""
    settings.SERVICEPACT = {
        **settings.SERVICEPACT,
        "WEBHOOK_CONNECT_TIMEOUT": 5.0,
        "WEBHOOK_TIMEOUT": 0.3,
    }
    WebhookEndpoint.objects.create(name="mute", url=f"http://127.0.0.1:{silent_port}/h")
    frozen(T0)
    notify_webhooks(key="k", message=Message("ticket.threshold_crossed", "s", "b"))
    assert deliver_due().failed == 1
    assert Notification.objects.get().last_error == (
        "TimeoutError: timed out waiting for the answer (0.3 s)"
    )


def test_sends_run_concurrently(frozen, settings):
    """Three endpoints on a receiver that answers 200 only once three requests are open at the
    same time (a barrier; a request that waits alone for 5 s gets a 500): with three delivery
    threads all three are delivered in one call, which sequential sends could not do."""
    settings.SERVICEPACT = {**settings.SERVICEPACT, "NOTIFY_CONCURRENCY": 3}
    barrier = threading.Barrier(3, timeout=5)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers["Content-Length"]))
            try:
                barrier.wait()
                status = 200
            except threading.BrokenBarrierError:
                status = 500
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/hook"
        for n in range(3):
            WebhookEndpoint.objects.create(name=f"hook {n}", url=url)
        frozen(T0)
        notify_webhooks(key="k", message=Message("ticket.threshold_crossed", "s", "b"))
        report = deliver_due()
    finally:
        server.shutdown()
        server.server_close()
    assert (report.sent, report.failed, report.in_flight) == (3, 0, 0)
    assert set(Notification.objects.values_list("status", "attempts")) == {("sent", 1)}


@pytest.mark.django_db(transaction=True)
def test_a_receiver_that_holds_requests_gets_two_threads_and_mail_keeps_flowing(frozen, settings):
    """Four webhooks to one receiver that holds every request, two e-mails, four threads,
    NOTIFY_PER_ENDPOINT 2, a 3 s budget: the receiver gets two requests (not four), both
    e-mails are sent within the call, the two other webhooks are not even attempted, and the
    call returns with two sends in flight. Once the receiver answers, those two record
    themselves as sent."""
    settings.SERVICEPACT = {
        **settings.SERVICEPACT,
        "NOTIFY_CONCURRENCY": 4,
        "NOTIFY_PER_ENDPOINT": 2,
        "WEBHOOK_TIMEOUT": 30.0,
    }
    release = threading.Event()
    arrived: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers["Content-Length"]))
            arrived.append(self.headers["webhook-id"])
            release.wait(30)
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}).start()
    try:
        WebhookEndpoint.objects.create(
            name="held", url=f"http://127.0.0.1:{server.server_address[1]}/"
        )
        frozen(T0)
        for n in range(4):
            notify_webhooks(key=f"w{n}", message=Message("ticket.threshold_crossed", "s", "b"))
        for n in range(2):
            notify_email(key=f"m{n}", address=f"it{n}@acme.test", message=Message("e", "s", "b"))
        report = deliver_due(budget=3.0)
        assert (report.sent, report.failed, report.in_flight) == (2, 0, 2)
        assert len(arrived) == 2
        assert set(
            Notification.objects.filter(channel="email").values_list("status", flat=True)
        ) == {"sent"}
        webhooks = Notification.objects.filter(channel="webhook")
        assert sorted(webhooks.values_list("status", "attempts")) == [
            ("pending", 0),
            ("pending", 0),
            ("pending", 1),
            ("pending", 1),
        ]
        release.set()
        assert drain(timeout=10)
        assert sorted(webhooks.values_list("status", "attempts")) == [
            ("pending", 0),
            ("pending", 0),
            ("sent", 1),
            ("sent", 1),
        ]
    finally:
        release.set()
        drain(timeout=10)
        server.shutdown()
        server.server_close()
