"""Benchmark: a worker pass with due clocks while webhook receivers never answer.

Five provider webhook endpoints point at a loopback port that accepts connections and never
answers. Twenty P1 tickets (24x7, first response 60 min) reach 50 % at NOW, so the pass has
twenty due clocks, each enqueuing a webhook per endpoint (100 rows) plus staff e-mail (dummy
backend). The script times, on a throwaway SQLite file under var/bench/:

* ``sequential_outbox_s``: the delivery as it was before (one send after another, waiting
  for each timeout, no budget) of five webhook rows to the silent receiver: five read timeouts;
* ``pass_s``: one ``run_pass`` at NOW with the shipped settings (3 s connect, 10 s read,
  8 threads, a 2 s outbox budget per pass): the due clocks are processed and the pass returns
  with the silent deliveries in flight;
* ``drain_s``: the time those deliveries then take in the background to time out and be
  recorded as failed (with backoff).

    .venv/bin/python bench/outbox_slow_receiver.py [--quick]

``--quick`` uses a 2 s read timeout for the sequential measurement (10 s instead of 50 s) and
for the pass. Last line: RESULT sequential_outbox_s=... pass_s=... thresholds=... in_flight=...
drain_s=...
"""

from __future__ import annotations

import argparse
import os
import socket
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

NOW = datetime(2025, 6, 2, 12, tzinfo=UTC)
TICKETS = 20
ENDPOINTS = 5


def setup_django(path: Path) -> None:
    os.environ["DATABASE_URL"] = f"sqlite:///{path}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "servicepact.settings"
    os.environ.setdefault("LOG_LEVEL", "ERROR")
    import django
    from django.conf import settings

    django.setup()
    settings.EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def world(silent_url: str) -> None:
    """Contract, tickets opened 30 minutes before NOW, silent endpoints."""
    import time_machine
    from django.contrib.auth import get_user_model

    from servicepact.contracts.services import create_calendar, create_contract, create_plan
    from servicepact.customers.models import Customer
    from servicepact.notifications.models import WebhookEndpoint
    from servicepact.tickets.services import open_ticket

    with time_machine.travel(NOW - timedelta(minutes=30), tick=False):
        calendar = create_calendar(name="24x7", timezone="UTC", weekly="24x7")
        plan = create_plan(
            name="Bench",
            code="bench",
            calendar=calendar,
            targets=[
                {"priority": 1, "metric": "first_response", "target_minutes": 60},
                {"priority": 1, "metric": "resolution", "target_minutes": 480},
            ],
        )
        customer = Customer.objects.create(name="Bench", code="bench")
        manager = get_user_model().objects.create_user(
            "manager", email="manager@bench.test", is_staff=True
        )
        create_contract(
            number="B-1",
            customer=customer,
            plan=plan,
            start_date=date(2025, 1, 1),
            end_date=date(2027, 12, 31),
            service_manager=manager,
        )
        for n in range(TICKETS):
            open_ticket(
                customer=customer, subject=f"bench {n}", category="network", impact=1, urgency=1
            )
    for n in range(ENDPOINTS):
        WebhookEndpoint.objects.create(name=f"silent {n}", url=silent_url)


def sequential(read_timeout: float) -> float:
    """The old delivery: five rows, one thread, no budget."""
    from django.conf import settings

    from servicepact.notifications.delivery import deliver_due
    from servicepact.notifications.models import Notification
    from servicepact.notifications.services import Message, notify_webhooks

    settings.SERVICEPACT = {
        **settings.SERVICEPACT,
        "NOTIFY_CONCURRENCY": 1,
        "WEBHOOK_TIMEOUT": read_timeout,
    }
    notify_webhooks(key="before", message=Message("bench", "bench", ""), now=NOW)
    started = time.perf_counter()
    report = deliver_due(now=NOW, budget=None)
    seconds = time.perf_counter() - started
    assert report.failed == ENDPOINTS, report
    Notification.objects.filter(idempotency_key__startswith="before:").delete()
    return seconds


def one_pass(read_timeout: float) -> tuple[float, int, int, float]:
    import time_machine
    from django.conf import settings

    from servicepact.notifications.delivery import drain
    from servicepact.worker.passes import run_pass

    settings.SERVICEPACT = {
        **{
            k: v
            for k, v in settings.SERVICEPACT.items()
            if k not in ("NOTIFY_CONCURRENCY", "WEBHOOK_TIMEOUT")
        },
        "WEBHOOK_TIMEOUT": read_timeout,
    }
    with time_machine.travel(NOW, tick=False):
        started = time.perf_counter()
        report = run_pass(now=NOW)
        seconds = time.perf_counter() - started
        drained = time.perf_counter()
        assert drain(timeout=600)
        drain_seconds = time.perf_counter() - drained
    return seconds, report.clocks.thresholds, report.delivery.in_flight, drain_seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="2 s read timeout instead of 10 s")
    args = parser.parse_args()
    read_timeout = 2.0 if args.quick else 10.0

    silent = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    silent.bind(("127.0.0.1", 0))
    silent.listen(512)  # the kernel accepts; nobody ever reads or answers
    url = f"http://127.0.0.1:{silent.getsockname()[1]}/hook"

    (ROOT / "var" / "bench").mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=ROOT / "var" / "bench") as tmp:
        setup_django(Path(tmp) / "outbox.sqlite3")
        world(url)
        before = sequential(read_timeout)
        print(f"sequential delivery of {ENDPOINTS} rows to a silent receiver: {before:.2f} s")
        seconds, thresholds, in_flight, drain_seconds = one_pass(read_timeout)
        print(
            f"pass with {TICKETS} due clocks: {seconds:.2f} s, {thresholds} thresholds, "
            f"{in_flight} deliveries left in flight (drained in {drain_seconds:.2f} s)"
        )
    silent.close()
    print(
        f"RESULT sequential_outbox_s={before:.2f} pass_s={seconds:.2f} thresholds={thresholds} "
        f"in_flight={in_flight} drain_s={drain_seconds:.2f} read_timeout_s={read_timeout:g}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
