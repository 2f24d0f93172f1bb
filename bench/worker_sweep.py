"""Benchmark of one worker pass: its cost must follow the due clocks, not the open tickets.

``--burst N [--before REF]``: one pass over a burst of N due clocks (among 2 N open tickets),
on this code and, with ``--before``, on the code of git REF (``git archive`` into var/bench/,
run by the same script in the same run): CPU, queries and statements per due clock, of the
due-clock step and of the whole pass, and the ratios before / now.

For 10k, 100k and 1M open tickets (10k and 100k with --quick), each with one running
resolution clock, 1 % of the clocks are due. The tickets, their "opened" events and their
clocks are cloned from one ticket opened through the services, straight into the tables
(executemany on SQLite, COPY on PostgreSQL). At each size the script times:

* an idle pass (nothing due): the index lookup plus the fixed jobs (lifecycle, auto-close);
* one pass over all the due clocks (batch 2 x due): per clock a refresh with the engine,
  a 50 % threshold event, two outbox rows (the service manager's in-app and e-mail, as the
  ticket has no assignee) and their delivery (dummy e-mail backend; the outbox step of a
  pass stops after OUTBOX_PASS_BUDGET, so a big burst is delivered over several passes).

The due-clock step is timed and its queries counted on their own (``step``); a query is one
call to the database, an executemany counts one statement per row (``statements``).

It runs on a throwaway SQLite file under var/bench/, and also on PostgreSQL when
DATABASE_URL is set (in a throwaway database <DATABASE_URL's name>_<pid> created on that
server and dropped after).

    .venv/bin/python bench/worker_sweep.py [--quick]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/sp_x .venv/bin/python bench/worker_sweep.py \
        --burst 10000 --before main

The last line is machine-readable; ``*_ratio`` is (largest pass / its due clocks) divided by
(10k pass / its due clocks), 1.0 meaning the cost per due clock does not grow with the table:
RESULT sqlite_10k_pass_s=... sqlite_1m_pass_s=... sqlite_ratio=... [postgres_...]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
# --src: a child measuring other code (--before: a git archive of another ref).
SRC = sys.argv[sys.argv.index("--src") + 1] if "--src" in sys.argv else str(ROOT / "src")
sys.path.insert(0, SRC)

NOW = datetime(2025, 6, 2, 12, tzinfo=UTC)  # the instant every measured pass runs at
HALF = timedelta(hours=8)  # 50 % of the 960-minute resolution target on a 24x7 calendar
CHUNK = 20_000
LABELS = {10_000: "10k", 20_000: "20k", 100_000: "100k", 1_000_000: "1m"}


# ---------------------------------------------------------------- child: one database


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "servicepact.settings"
    os.environ.setdefault("SERVICEPACT_INSECURE_DEV_KEY", "1")  # no DEBUG, no real key needed
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django
    from django.conf import settings

    django.setup()
    settings.EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"


def template() -> dict[str, Any]:
    """One customer, one 24x7 contract with a service manager, one ticket opened by the services."""
    import time_machine
    from django.contrib.auth import get_user_model

    from servicepact.contracts.services import create_calendar, create_contract, create_plan
    from servicepact.customers.models import Customer
    from servicepact.tickets.models import SlaClock, TicketEvent
    from servicepact.tickets.services import open_ticket

    # An hour before NOW: the template's own clock is not due (its 50 % is at NOW + 7 h).
    with time_machine.travel(NOW - timedelta(hours=1), tick=False):
        calendar = create_calendar(name="24x7", timezone="UTC", weekly="24x7")
        plan = create_plan(
            name="Bench",
            code="bench",
            calendar=calendar,
            targets=[{"priority": 3, "metric": "resolution", "target_minutes": 960}],
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
        ticket = open_ticket(customer=customer, subject="bench", category="network")
    return {
        "ticket": ticket,
        "event": TicketEvent.objects.get(ticket=ticket),
        "clock": SlaClock.objects.get(ticket=ticket),
    }


def _prep(obj: Any, overrides: dict[str, Any]) -> tuple[list[str], list[Any], dict[str, int]]:
    """Columns, the template's DB values, and the positions of the per-row fields."""
    from django.db import connection

    fields = obj._meta.concrete_fields
    columns = [f.column for f in fields]
    values = [f.get_db_prep_save(getattr(obj, f.attname), connection) for f in fields]
    positions = {f.attname: i for i, f in enumerate(fields) if f.attname in overrides}
    return columns, values, positions


def insert(model_obj: Any, rows: list[dict[str, Any]]) -> None:
    """Clones ``model_obj`` once per dict of per-row values (attname -> Python value)."""
    from django.db import connection

    fields = {f.attname: f for f in model_obj._meta.concrete_fields}
    columns, base, positions = _prep(model_obj, rows[0])
    table = model_obj._meta.db_table
    data = []
    for row in rows:
        values = list(base)
        for name, value in row.items():
            values[positions[name]] = fields[name].get_db_prep_save(value, connection)
        data.append(values)
    quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            raw = cursor.cursor
            with raw.copy(f"COPY {table} ({quoted}) FROM STDIN") as copy:
                for values in data:
                    copy.write_row(values)
        else:
            marks = ", ".join(["%s"] * len(columns))
            cursor.executemany(f"INSERT INTO {table} ({quoted}) VALUES ({marks})", data)


def next_ids() -> tuple[int, int, int]:
    """The first free id of tickets, events and clocks (the passes add events)."""
    from django.db.models import Max

    from servicepact.tickets.models import SlaClock, Ticket, TicketEvent

    return tuple(
        (m.objects.aggregate(n=Max("id"))["n"] or 0) + 1 for m in (Ticket, TicketEvent, SlaClock)
    )  # type: ignore[return-value]


def add_tickets(tpl: dict[str, Any], count: int, due: int) -> None:
    """``count`` more tickets; the first ``due`` have their 50 % passed (opened 8 h 1 s to
    11 h before NOW), the others are before it (opened up to 7 h before)."""
    from django.db import transaction

    ticket, event, clock = tpl["ticket"], tpl["event"], tpl["clock"]
    first_ticket, first_event, first_clock = next_ids()
    for start in range(0, count, CHUNK):
        rows_t, rows_e, rows_c = [], [], []
        for i in range(start, min(count, start + CHUNK)):
            pk = first_ticket + i
            if i < due:
                opened = NOW - HALF - timedelta(seconds=1 + (i * 7919) % (3 * 3600))
            else:
                opened = NOW - timedelta(seconds=60 + (i * 7919) % (7 * 3600))
            rows_t.append(
                {
                    "id": pk,
                    "number": f"SP-{pk:07d}",
                    "opened_at": opened,
                    "next_deadline_at": opened + 2 * HALF,
                }
            )
            rows_e.append(
                {"id": first_event + i, "ticket_id": pk, "at": opened, "recorded_at": opened}
            )
            rows_c.append(
                {
                    "id": first_clock + i,
                    "ticket_id": pk,
                    "started_at": opened,
                    "deadline_at": opened + 2 * HALF,
                    "evaluated_at": opened,
                    "next_check_at": opened + HALF,
                }
            )
        with transaction.atomic():
            insert(ticket, rows_t)
            insert(event, rows_e)
            insert(clock, rows_c)


def reset_sequences() -> None:
    from django.core.management.color import no_style
    from django.db import connection

    from servicepact.tickets.models import SlaClock, Ticket, TicketEvent

    statements = connection.ops.sequence_reset_sql(no_style(), [Ticket, TicketEvent, SlaClock])
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


def query_plan() -> str:
    from django.db import connection

    from servicepact.tickets.models import SlaClock

    qs = SlaClock.objects.filter(next_check_at__lte=NOW).order_by("next_check_at")
    sql, params = qs.values_list("ticket_id", flat=True)[:100].query.sql_with_params()
    prefix = "EXPLAIN QUERY PLAN " if connection.vendor == "sqlite" else "EXPLAIN "
    with connection.cursor() as cursor:
        cursor.execute(prefix + sql, params)
        return " | ".join(str(r[-1]) for r in cursor.fetchall())


def timed_passes(due: int, repeats: int) -> tuple[list[dict[str, float]], float]:
    """Figures of ``repeats`` passes over the same due clocks, re-armed between runs
    (threshold events and outbox rows removed, clocks due again): wall and CPU seconds of
    the pass and of its due-clock step alone, and the SQL queries of each. Also the
    queries of the step per due ticket (the median over runs)."""
    from django.db import connection
    from django.db.models import F

    from servicepact.notifications.delivery import drain
    from servicepact.notifications.models import Notification
    from servicepact.tickets.models import SlaClock, TicketEvent
    from servicepact.worker import passes

    clocks = list(SlaClock.objects.filter(next_check_at__lte=NOW).values_list("id", "ticket_id"))
    runs: list[dict[str, float]] = []
    counter = {"pass": 0, "step": 0, "in_step": 0, "statements": 0}

    def count(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        # A query is one call to the database; an executemany runs one statement per row.
        counter["pass"] += 1
        counter["step"] += counter["in_step"]
        counter["statements"] += counter["in_step"] * (len(params) if many else 1)
        return execute(sql, params, many, context)

    original = passes.process_due_clocks
    step: dict[str, float] = {}

    def timed_step(**kwargs: Any) -> Any:
        cpu, wall = time.process_time(), time.perf_counter()
        counter["in_step"] = 1
        try:
            return original(**kwargs)
        finally:
            counter["in_step"] = 0
            step["cpu"] = time.process_time() - cpu
            step["wall"] = time.perf_counter() - wall

    passes.process_due_clocks = timed_step  # type: ignore[assignment]
    for run in range(repeats):
        if run:
            ids, tickets = [c for c, _ in clocks], [t for _, t in clocks]
            TicketEvent.objects.filter(ticket_id__in=tickets, kind="threshold_crossed").delete()
            Notification.objects.all().delete()
            SlaClock.objects.filter(id__in=ids).update(
                last_threshold=0, next_check_at=F("started_at") + HALF
            )
        counter.update({"pass": 0, "step": 0, "in_step": 0, "statements": 0})
        cpu = time.process_time()
        with connection.execute_wrapper(count):
            report = passes.run_pass(NOW, batch=2 * due)
        drain(120)  # sends the pass left in flight record their outcome before we go on
        runs.append(
            {
                "wall": report.seconds,
                "cpu": time.process_time() - cpu,
                "step_wall": step["wall"],
                "step_cpu": step["cpu"],
                "queries": counter["pass"],
                "step_queries": counter["step"],
                "step_statements": counter["statements"],
            }
        )
        counts = (report.clocks.tickets, report.clocks.thresholds, report.clocks.failed)
        assert counts == (due, due, 0), report.summary()
        # Every outbox row is enqueued; a big burst is delivered over several passes (the
        # outbox step of a pass stops after OUTBOX_PASS_BUDGET seconds).
        assert Notification.objects.count() == 2 * due, report.summary()
        assert report.delivery.sent == 2 * due or report.delivery.in_flight, report.summary()
        assert SlaClock.objects.filter(next_check_at__lte=NOW).count() == 0
    passes.process_due_clocks = original  # type: ignore[assignment]
    return runs, statistics.median(r["step_queries"] for r in runs) / due


def measure(sizes: list[int], repeats: int, every: int = 100) -> dict[str, Any]:
    from django.core.management import call_command
    from django.db import connection

    from servicepact.tickets.models import SlaClock
    from servicepact.worker.passes import run_pass

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    tpl = template()
    print(f"  schema and template: {time.perf_counter() - started:.1f}s", flush=True)
    results: dict[str, Any] = {"vendor": connection.vendor, "sizes": {}}
    total = 1  # the template ticket counts: it is open
    for size in sizes:
        due = size // every
        started = time.perf_counter()
        add_tickets(tpl, size - total, due)
        total = size
        reset_sequences()
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        insert_s = time.perf_counter() - started
        assert SlaClock.objects.filter(next_check_at__lte=NOW).count() == due
        idle = run_pass(NOW - timedelta(hours=4), batch=due)
        assert idle.clocks.candidates == 0
        runs, queries = timed_passes(due, repeats=repeats if due <= 1000 else 1)
        best = {key: min(r[key] for r in runs) for key in runs[0]}
        wall, cpu = best["wall"], best["cpu"]
        row = {
            "tickets": size,
            "due": due,
            "insert_s": round(insert_s, 2),
            "idle_pass_ms": round(idle.seconds * 1000, 1),
            "pass_s": round(wall, 3),
            "pass_cpu_s": round(cpu, 3),
            "per_due_ms": round(wall / due * 1000, 3),
            "per_due_cpu_ms": round(cpu / due * 1000, 3),
            "step_per_due_ms": round(best["step_wall"] / due * 1000, 3),
            "step_per_due_cpu_ms": round(best["step_cpu"] / due * 1000, 3),
            "pass_queries_per_due": round(best["queries"] / due, 2),
            "step_queries_per_due": round(queries, 2),
            "step_statements_per_due": round(best["step_statements"] / due, 2),
            "runs": len(runs),
        }
        results["sizes"][str(size)] = row
        print(
            f"  {size:>9,} open tickets, {due:>6,} due: insert {insert_s:6.1f}s | idle pass "
            f"{row['idle_pass_ms']:7.1f} ms | pass {wall:7.2f}s = {row['per_due_ms']:.2f} ms "
            f"per due clock (CPU {row['per_due_cpu_ms']:.2f} ms, "
            f"{row['pass_queries_per_due']:.1f} queries; best of {len(runs)}) | due-clock step "
            f"{row['step_per_due_ms']:.2f} ms (CPU {row['step_per_due_cpu_ms']:.2f} ms, "
            f"{row['step_queries_per_due']:.2f} queries, {row['step_statements_per_due']:.2f} "
            "statements) per due clock",
            flush=True,
        )
    results["plan"] = query_plan()
    print(f"  due-clock query plan: {results['plan']}", flush=True)
    return results


def child(backend: str, sizes: list[int], repeats: int, every: int, out: Path) -> int:
    if backend == "sqlite":
        path = ROOT / "var" / "bench" / f"worker_sweep_{os.getpid()}.sqlite3"
        path.parent.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        setup_django(f"sqlite:///{path}")
        try:
            results = measure(sizes, repeats, every)
        finally:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
    else:
        results = on_throwaway_postgres(sizes, repeats, every)
    out.write_text(json.dumps(results))
    return 0


def on_throwaway_postgres(sizes: list[int], repeats: int, every: int) -> dict[str, Any]:
    import dj_database_url
    import psycopg

    server = dj_database_url.parse(os.environ["DATABASE_URL"])
    # Named after the database of DATABASE_URL: sp_<name>_<pid> for sp_<name>.
    name = f"{server['NAME']}_{os.getpid()}"
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
        url = os.environ["DATABASE_URL"].rsplit("/", 1)[0] + "/" + name
        setup_django(url)
        from django.db import connections

        try:
            return measure(sizes, repeats, every)
        finally:
            connections.close_all()
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.close()


# ---------------------------------------------------------------- parent


def run_backend(
    backend: str, sizes: list[int], repeats: int, every: int = 100, src: Path | None = None
) -> dict[str, Any]:
    out = ROOT / "var" / "bench" / f"worker_sweep_{backend}_{os.getpid()}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    args = [sys.executable, __file__, "--child", backend, "--sizes", ",".join(map(str, sizes))]
    args += ["--repeats", str(repeats), "--every", str(every)]
    if src is not None:
        args += ["--src", str(src)]
    subprocess.run([*args, "--out", str(out)], check=True)
    results: dict[str, Any] = json.loads(out.read_text())
    out.unlink()
    return results


def checkout(ref: str) -> Path:
    """The ``src`` tree of git ``ref`` under var/bench/ (the code "before")."""
    target = ROOT / "var" / "bench" / "before"
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", ref, "src"], check=True, capture_output=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(target)], input=archive, check=True)
    return target / "src"


def summary(backend: str, results: dict[str, Any]) -> list[str]:
    rows = results["sizes"]
    first, last = rows[min(rows, key=int)], rows[max(rows, key=int)]
    ratio = last["per_due_ms"] / first["per_due_ms"]
    cpu_ratio = last["per_due_cpu_ms"] / first["per_due_cpu_ms"]
    step_ratio = last["step_per_due_cpu_ms"] / first["step_per_due_cpu_ms"]
    print(
        f"{backend}: {LABELS[last['tickets']]} vs {LABELS[first['tickets']]} per due clock: pass "
        f"{last['per_due_ms']:.2f} / {first['per_due_ms']:.2f} ms = {ratio:.2f}; worker CPU "
        f"{cpu_ratio:.2f}; due-clock step CPU {step_ratio:.2f}"
    )
    fields = [f"{backend}_{LABELS[r['tickets']]}_pass_s={r['pass_s']}" for r in rows.values()]
    fields += [
        f"{backend}_{LABELS[r['tickets']]}_idle_ms={r['idle_pass_ms']}" for r in rows.values()
    ]
    return [
        *fields,
        f"{backend}_ratio={ratio:.2f}",
        f"{backend}_cpu_ratio={cpu_ratio:.2f}",
        f"{backend}_step_cpu_ratio={step_ratio:.2f}",
        f"{backend}_queries_per_due={last['step_queries_per_due']}",
    ]


def burst_summary(backend: str, now: dict[str, Any], before: dict[str, Any] | None) -> list[str]:
    """One burst of due clocks: this code, and (``--before``) the same run on the old code."""
    row = next(iter(now["sizes"].values()))
    fields = [
        f"{backend}_burst_due={row['due']}",
        f"{backend}_pass_s={row['pass_s']}",
        f"{backend}_cpu_per_due_ms={row['per_due_cpu_ms']}",
        f"{backend}_step_cpu_per_due_ms={row['step_per_due_cpu_ms']}",
        f"{backend}_queries_per_due={row['step_queries_per_due']}",
        f"{backend}_statements_per_due={row['step_statements_per_due']}",
        f"{backend}_pass_queries_per_due={row['pass_queries_per_due']}",
    ]
    if before is None:
        return fields
    old = next(iter(before["sizes"].values()))
    step_x = old["step_per_due_cpu_ms"] / row["step_per_due_cpu_ms"]
    pass_x = old["per_due_cpu_ms"] / row["per_due_cpu_ms"]
    print(
        f"{backend}: {row['due']:,} due clocks, CPU per due clock before / now: due-clock step "
        f"{old['step_per_due_cpu_ms']:.2f} / {row['step_per_due_cpu_ms']:.2f} ms = {step_x:.1f}x; "
        f"whole pass (outbox delivery included) {old['per_due_cpu_ms']:.2f} / "
        f"{row['per_due_cpu_ms']:.2f} ms = {pass_x:.1f}x; queries per due clock (step) "
        f"{old['step_queries_per_due']} / {row['step_queries_per_due']}"
    )
    return [
        *fields,
        f"{backend}_before_pass_s={old['pass_s']}",
        f"{backend}_before_cpu_per_due_ms={old['per_due_cpu_ms']}",
        f"{backend}_before_step_cpu_per_due_ms={old['step_per_due_cpu_ms']}",
        f"{backend}_before_queries_per_due={old['step_queries_per_due']}",
        f"{backend}_before_statements_per_due={old['step_statements_per_due']}",
        f"{backend}_step_cpu_x={step_x:.1f}",
        f"{backend}_pass_cpu_x={pass_x:.1f}",
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10k and 100k tickets only")
    parser.add_argument(
        "--burst", type=int, metavar="N", help="one pass over N due clocks (of 2 N open tickets)"
    )
    parser.add_argument(
        "--before", metavar="REF", help="with --burst: also run the code of git REF (e.g. main)"
    )
    parser.add_argument("--child", choices=["sqlite", "postgres"], help=argparse.SUPPRESS)
    parser.add_argument("--sizes", help=argparse.SUPPRESS)
    parser.add_argument("--repeats", type=int, default=3, help=argparse.SUPPRESS)
    parser.add_argument("--every", type=int, default=100, help=argparse.SUPPRESS)
    parser.add_argument("--src", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        sizes = [int(s) for s in args.sizes.split(",")]
        return child(args.child, sizes, args.repeats, args.every, args.out)
    backends = ["sqlite"] + (
        ["postgres"] if os.environ.get("DATABASE_URL", "").startswith("postgres") else []
    )
    fields: list[str] = []
    if args.burst:
        before_src = checkout(args.before) if args.before else None
        for backend in backends:
            print(f"{backend}: a burst of {args.burst:,} due clocks among {2 * args.burst:,}")
            before = None
            if before_src is not None:
                print(f"  before ({args.before}):", flush=True)
                before = run_backend(backend, [2 * args.burst], 1, 2, before_src)
                print("  now:", flush=True)
            now = run_backend(backend, [2 * args.burst], 1, 2)
            fields += burst_summary(backend, now, before)
        if before_src is not None:
            shutil.rmtree(before_src.parent, ignore_errors=True)
        print("RESULT " + " ".join(fields))
        return 0
    sizes = [10_000, 100_000] if args.quick else [10_000, 100_000, 1_000_000]
    for backend in backends:
        print(f"{backend}: open tickets {', '.join(LABELS[s] for s in sizes)}; 1 % of clocks due")
        fields += summary(backend, run_backend(backend, sizes, 1 if args.quick else 3))
    print("RESULT " + " ".join(fields))
    return 0


if __name__ == "__main__":
    sys.exit(main())
