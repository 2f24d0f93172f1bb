"""Benchmark of the conversation: a reply's cost must not grow with the open tickets.

For 200 and 2,000 open tickets (200 and 1,000 with --quick) opened through the services on a
24x7 contract, half of them waiting on the customer, the script times on a throwaway SQLite
file under var/bench/:

* a customer reply to a waiting ticket: the comment, the ``resumed`` event, the clocks
  re-derived with the engine, the "customer replied" mark and the agent's two outbox rows;
* a staff reply: the comment, clearing the mark, the contact's outbox row;
* the desk queue over all open tickets, and its query count (the mark is a column of the row:
  no query per ticket).

    .venv/bin/python bench/conversation.py [--quick]

The last line is machine-readable:
RESULT customer_reply_ms=... staff_reply_ms=... queue_ms=... queue_queries=... [per size]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
DB = ROOT / "var" / "bench" / "conversation.sqlite3"
NOW = datetime(2025, 6, 2, 12, tzinfo=UTC)
REPLIES = 100


def setup_django() -> None:
    DB.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{DB}{suffix}").unlink(missing_ok=True)
    os.environ["DATABASE_URL"] = f"sqlite:///{DB}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "servicepact.settings"
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


def build(size: int) -> dict[str, Any]:
    """A customer with a contact (e-mail) and an assigned agent; ``size`` tickets, half paused."""
    from servicepact.tickets import services as ts
    from servicepact.tickets.testing import always_calendar, plan, world

    calendar = always_calendar()
    w = world(
        code="bench",
        tz="UTC",
        calendar=calendar,
        service_plan=plan(calendar, code="bench-plan"),
        start=date(2025, 1, 1),
        end=date(2027, 12, 31),
    )
    w.contact.email = "it@bench.test"
    w.contact.save()
    w.agent.email = "agent@bench.test"
    w.agent.save()
    waiting = []
    for i in range(size):
        t = ts.open_ticket(customer=w.customer, contact=w.contact, asset=w.asset, subject=f"t{i}")
        t = ts.acknowledge_ticket(ticket=t, actor=w.agent)
        t = ts.assign_ticket(ticket=t, actor=w.agent, assignee=w.agent)
        if i % 2 == 0:
            waiting.append(ts.pause_ticket(ticket=t, actor=w.agent, reason="logs please"))
    return {"world": w, "waiting": waiting}


def timed(calls: list[Any]) -> float:
    """The median milliseconds of the calls, each in its own transaction."""
    times = []
    for call in calls:
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def measure(size: int) -> dict[str, float]:
    import time_machine
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from servicepact.desk.queue import build_queue
    from servicepact.tickets import services as ts

    with time_machine.travel(NOW - timedelta(hours=1), tick=False):
        data = build(size)
    w, waiting = data["world"], data["waiting"][:REPLIES]
    with time_machine.travel(NOW, tick=False):
        customer = timed(
            [
                lambda t=t: ts.add_comment(ticket=t, author=w.contact.user, body="Logs attached")
                for t in waiting
            ]
        )
        staff = timed(
            [lambda t=t: ts.add_comment(ticket=t, author=w.agent, body="Thanks") for t in waiting]
        )
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            queue = build_queue(w.agent, {}, NOW)
            queue_ms = (time.perf_counter() - started) * 1000
    assert queue.total == size
    return {
        "customer_reply_ms": round(customer, 2),
        "staff_reply_ms": round(staff, 2),
        "queue_ms": round(queue_ms, 1),
        "queue_queries": len(queries),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    sizes = [200, 1000] if args.quick else [200, 2000]
    setup_django()
    fields = []
    try:
        for size in sizes:
            from django.core.management import call_command

            call_command("flush", interactive=False, verbosity=0)
            row = measure(size)
            print(
                f"  {size:>6,} open tickets: customer reply {row['customer_reply_ms']:.2f} ms "
                f"(resume + clocks + 2 outbox rows) | staff reply {row['staff_reply_ms']:.2f} ms | "
                f"queue {row['queue_ms']:.1f} ms in {row['queue_queries']} queries",
                flush=True,
            )
            fields += [f"{k}_{size}={v}" for k, v in row.items()]
    finally:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{DB}{suffix}").unlink(missing_ok=True)
    print("RESULT " + " ".join(fields))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
