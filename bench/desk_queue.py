"""Quick benchmark of the desk queue: its time must follow the page, not the table.

Builds 10k and then 100k tickets (5 % open, the rest closed), each with one event and one SLA
clock, cloned from one ticket opened through the services straight into the tables
(executemany on SQLite, COPY on PostgreSQL; helpers of ``bench/worker_sweep.py``). Open tickets
carry the stored queue columns a refresh would store (running clocks at every stage: on track,
at risk, breached). At each size it times, in the same process with Django's test client, the
median of repeated ``GET /desk/`` (first page, counts), ``GET /desk/queue/rows/`` (the htmx
poll) and ``GET /login/``.

Runs on a throwaway SQLite file under var/bench/, and also on PostgreSQL when DATABASE_URL is
set (in a throwaway database created on that server and dropped after).

    .venv/bin/python bench/desk_queue.py

The last line is machine-readable (``growth`` is queue 100k / queue 10k, 1.0 = flat; the
figures are PostgreSQL's when it ran, else SQLite's; each backend's are printed above it):
RESULT queue_10k_ms=... queue_100k_ms=... login_ms=... growth=...
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from worker_sweep import insert, next_ids, reset_sequences, setup_django  # noqa: E402

NOW = datetime(2025, 6, 2, 12, tzinfo=UTC)
TARGET = timedelta(minutes=960)  # P3 resolution on a 24x7 calendar
CHUNK = 20_000
OPEN_SHARE = 20  # one ticket in 20 is open (5 %)
SIZES = (10_000, 100_000)
LABELS = {10_000: "10k", 100_000: "100k"}


def template() -> dict[str, Any]:
    import time_machine
    from django.contrib.auth import get_user_model

    from servicepact.contracts.services import create_calendar, create_contract, create_plan
    from servicepact.customers.models import Customer
    from servicepact.tickets.models import SlaClock, TicketEvent
    from servicepact.tickets.services import open_ticket

    with time_machine.travel(NOW - timedelta(hours=1), tick=False):
        calendar = create_calendar(name="24x7", timezone="UTC", weekly="24x7")
        plan = create_plan(
            name="Bench",
            code="bench",
            calendar=calendar,
            targets=[{"priority": 3, "metric": "resolution", "target_minutes": 960}],
        )
        customer = Customer.objects.create(name="Bench", code="bench")
        agent = get_user_model().objects.create_user("agent", is_staff=True)
        create_contract(
            number="B-1",
            customer=customer,
            plan=plan,
            start_date=datetime(2025, 1, 1).date(),
            end_date=datetime(2027, 12, 31).date(),
            service_manager=agent,
        )
        ticket = open_ticket(customer=customer, subject="bench", category="network")
    return {
        "ticket": ticket,
        "event": TicketEvent.objects.get(ticket=ticket),
        "clock": SlaClock.objects.get(ticket=ticket),
        "agent": agent,
    }


def add_tickets(tpl: dict[str, Any], count: int) -> None:
    """``count`` more tickets; every 20th open with a running clock opened 0-24 h before NOW
    (so on track, at risk and breached ones), the others closed with a met clock."""
    from django.db import transaction

    ticket, event, clock = tpl["ticket"], tpl["event"], tpl["clock"]
    first_ticket, first_event, first_clock = next_ids()
    for start in range(0, count, CHUNK):
        rows_t, rows_e, rows_c = [], [], []
        for i in range(start, min(count, start + CHUNK)):
            pk = first_ticket + i
            is_open = i % OPEN_SHARE == 0
            opened = NOW - timedelta(seconds=60 + (i * 7919) % (24 * 3600))
            deadline = opened + TARGET
            if not is_open:
                opened -= timedelta(days=30 + i % 300)
                deadline = opened + TARGET
            row = {"id": pk, "number": f"SP-{pk:07d}", "opened_at": opened}
            clock_row = {
                "id": first_clock + i,
                "ticket_id": pk,
                "state": "running",
                "started_at": opened,
                "stopped_at": None,
                "deadline_at": deadline,
                "elapsed_seconds": 0,
                "remaining_seconds": int(TARGET.total_seconds()),
                "evaluated_at": opened,
                "next_check_at": opened + TARGET / 2,
            }
            # Every row names the same columns (``insert`` takes them from the first row).
            if is_open:
                row |= {
                    "status": "new",
                    "resolved_at": None,
                    "closed_at": None,
                    "next_deadline_at": deadline,
                    "sla_state": "on_track",
                    "at_risk_from": opened + TARGET * 3 / 4,
                    "breach_from": deadline + timedelta(seconds=1),
                }
            else:
                solved = opened + timedelta(hours=2)
                row |= {
                    "status": "closed",
                    "resolved_at": solved,
                    "closed_at": solved + timedelta(days=5),
                    "next_deadline_at": None,
                    "sla_state": "met",
                    "at_risk_from": None,
                    "breach_from": None,
                }
                clock_row |= {
                    "state": "met",
                    "stopped_at": solved,
                    "elapsed_seconds": 7200,
                    "remaining_seconds": int(TARGET.total_seconds()) - 7200,
                    "evaluated_at": solved,
                    "next_check_at": None,
                }
            rows_t.append(row)
            rows_e.append(
                {"id": first_event + i, "ticket_id": pk, "at": opened, "recorded_at": opened}
            )
            rows_c.append(clock_row)
        with transaction.atomic():
            insert(ticket, rows_t)
            insert(event, rows_e)
            insert(clock, rows_c)


def median_ms(client: Any, path: str, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        response = client.get(path)
        times.append(time.perf_counter() - started)
        assert response.status_code == 200, (path, response.status_code)
    return round(statistics.median(times) * 1000, 2)


def measure(repeats: int) -> dict[str, Any]:
    import time_machine
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from servicepact.tickets.models import Ticket

    # Pages render without collected static files (as in the tests).
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    call_command("migrate", verbosity=0)
    tpl = template()
    client = Client()
    client.force_login(tpl["agent"])
    results: dict[str, Any] = {"vendor": connection.vendor, "sizes": {}}
    total = 1
    for size in SIZES:
        started = time.perf_counter()
        add_tickets(tpl, size - total)
        total = size
        reset_sequences()
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        insert_s = time.perf_counter() - started
        with time_machine.travel(NOW, tick=False):
            client.get("/desk/")  # warm caches (compiled calendar, templates)
            row = {
                "tickets": size,
                "open": Ticket.objects.filter(status="new").count(),
                "insert_s": round(insert_s, 1),
                "queue_ms": median_ms(client, "/desk/", repeats),
                "rows_ms": median_ms(client, "/desk/queue/rows/", repeats),
                "login_ms": median_ms(Client(), "/login/", repeats),
            }
        results["sizes"][str(size)] = row
        print(
            f"  {connection.vendor} {size:>7,} tickets ({row['open']:,} open): insert "
            f"{insert_s:5.1f}s | queue {row['queue_ms']:7.1f} ms | poll {row['rows_ms']:7.1f} ms"
            f" | login {row['login_ms']:5.1f} ms | queue/login "
            f"{row['queue_ms'] / row['login_ms']:.1f}x",
            flush=True,
        )
    return results


def child(backend: str, repeats: int, out: Path) -> int:
    if backend == "sqlite":
        path = ROOT / "var" / "bench" / "desk_queue.sqlite3"
        path.parent.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        setup_django(f"sqlite:///{path}")
        try:
            results = measure(repeats)
        finally:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
    else:
        results = on_throwaway_postgres(repeats)
    out.write_text(json.dumps(results))
    return 0


def on_throwaway_postgres(repeats: int) -> dict[str, Any]:
    import dj_database_url
    import psycopg

    server = dj_database_url.parse(os.environ["DATABASE_URL"])
    name = f"servicepact_bench_queue_{os.getpid()}"
    admin = psycopg.connect(
        dbname="postgres",
        user=server["USER"],
        password=server["PASSWORD"] or None,
        host=server["HOST"] or None,
        port=server["PORT"] or None,
        autocommit=True,
    )
    admin.execute(f'CREATE DATABASE "{name}"')
    try:
        setup_django(os.environ["DATABASE_URL"].rsplit("/", 1)[0] + "/" + name)
        from django.db import connections

        try:
            return measure(repeats)
        finally:
            connections.close_all()
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.close()


def run_backend(backend: str, repeats: int) -> dict[str, Any]:
    out = ROOT / "var" / "bench" / f"desk_queue_{backend}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    args = [sys.executable, __file__, "--child", backend, "--repeats", str(repeats)]
    subprocess.run([*args, "--out", str(out)], check=True)
    results: dict[str, Any] = json.loads(out.read_text())
    out.unlink()
    return results


def fields(results: dict[str, Any]) -> dict[str, float]:
    small, large = (results["sizes"][str(s)] for s in SIZES)
    return {
        "queue_10k_ms": small["queue_ms"],
        "queue_100k_ms": large["queue_ms"],
        "login_ms": large["login_ms"],
        "growth": round(large["queue_ms"] / small["queue_ms"], 2),
        "queue_x_login": round(large["queue_ms"] / large["login_ms"], 1),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--child", choices=["sqlite", "postgres"], help=argparse.SUPPRESS)
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args.child, args.repeats, args.out)
    backends = ["sqlite"] + (
        ["postgres"] if os.environ.get("DATABASE_URL", "").startswith("postgres") else []
    )
    last: dict[str, float] = {}
    for backend in backends:
        last = fields(run_backend(backend, args.repeats))
        print(f"{backend}: " + " ".join(f"{k}={v}" for k, v in last.items()), flush=True)
    print("RESULT " + " ".join(f"{k}={v}" for k, v in last.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
