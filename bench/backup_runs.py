"""Benchmark of backup run ingestion: the endpoint against raw INSERT of the rows it writes.

Workload (deterministic): one customer with a contract covering 1,000 assets (node-0000...)
and a generic backup source. 100,000 run reports (10,000 with --quick) are posted as generic
JSON deliveries of 1,000 runs each with Django's test client (full middleware stack, token
auth, body limit, parser, validation, asset matching, the set-based store of
backups/ingest.py) to ``POST /api/v1/backups/runs/generic``: 90 % succeeded, 10 % failed,
local and off-site copies alternating, 1 % of hosts unknown (kept unmatched).

Baseline, in the same run: the ``BackupRun`` rows the endpoint wrote, inserted again as they
are (fresh primary keys, run ids made distinct) with multi-row INSERT statements in one
transaction: the floor of "storing what arrived". ``ratio`` = raw seconds / endpoint seconds
(target >= 0.3). Runs on a throwaway SQLite file under var/bench/, and also on PostgreSQL
when DATABASE_URL is set (a throwaway database on that server, dropped after).

    .venv/bin/python bench/backup_runs.py [--quick]

The last line is machine-readable:
RESULT sqlite_runs=... sqlite_runs_per_s=... sqlite_raw_runs_per_s=... sqlite_ratio=...
       [postgres_...]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

SETUP_AT = datetime(2025, 6, 1, tzinfo=UTC)
RUNS_FROM = datetime(2025, 6, 1, 1, tzinfo=UTC)
POSTED_AT = datetime(2025, 7, 1, 12, tzinfo=UTC)
GROUP = 1_000
ASSETS = 1_000
OFFSET = 100_000_000  # primary keys of the raw copies start above every real one


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "servicepact.settings"
    os.environ.setdefault("SERVICEPACT_INSECURE_DEV_KEY", "1")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ.setdefault("CONN_MAX_AGE", "60")
    import django

    django.setup()


def build() -> str:
    from servicepact.assets.models import Asset, ContractLine
    from servicepact.backups.services import create_backup_source
    from servicepact.contracts.services import create_calendar, create_contract, create_plan
    from servicepact.customers.models import Customer, Site

    calendar = create_calendar(name="24x7", timezone="UTC", weekly="24x7")
    plan = create_plan(name="Bench", code="bench", calendar=calendar, targets=[])
    customer = Customer.objects.create(name="Bench", code="bench", timezone="UTC")
    site = Site.objects.create(customer=customer, name="DC1", timezone="UTC")
    contract = create_contract(
        number="B-1",
        customer=customer,
        plan=plan,
        start_date=date(2025, 1, 1),
        end_date=date(2026, 12, 31),
    )
    assets = Asset.objects.bulk_create(
        [Asset(customer=customer, site=site, hostname=f"node-{i:04d}") for i in range(ASSETS)]
    )
    ContractLine.objects.bulk_create(
        [ContractLine(contract=contract, asset=a, start_date=date(2025, 1, 1)) for a in assets]
    )
    _, token = create_backup_source(name="bench", kind="generic", customer=customer)
    return token


def stamp(at: datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%SZ")


def deliveries(runs: int, prefix: str) -> list[bytes]:
    bodies = []
    for first in range(0, runs, GROUP):
        items = []
        for i in range(first, min(first + GROUP, runs)):
            started = RUNS_FROM + timedelta(minutes=i % 40_000)
            failed = i % 10 == 9
            items.append(
                {
                    "id": f"{prefix}-{i:07d}",
                    "status": "failed" if failed else "succeeded",
                    "host": f"unknown-{i}" if i % 100 == 42 else f"node-{i % ASSETS:04d}",
                    "location": "offsite" if i % 2 else "local",
                    "started_at": stamp(started),
                    "finished_at": stamp(started + timedelta(minutes=20)),
                    "size_bytes": 1_000_000 + i,
                    "files": 100 + i % 1000,
                    "snapshot": f"snap-{i:08x}",
                    "message": "repository locked" if failed else "",
                }
            )
        bodies.append(json.dumps({"runs": items}).encode())
    return bodies


def post_all(client: Any, token: str, bodies: list[bytes]) -> None:
    for body in bodies:
        response = client.post(
            "/api/v1/backups/runs/generic",
            data=body,
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {token}",
        )
        if response.status_code != 200:
            raise SystemExit(f"endpoint answered {response.status_code}: {response.content!r}")


def raw_insert(model: Any, last_pk: int) -> tuple[float, int]:
    """Copies of the rows above ``last_pk`` (pk + OFFSET, run ids made distinct), multi-row
    INSERT statements in one transaction; returns (seconds, rows)."""
    from django.db import connection, transaction

    fields = model._meta.concrete_fields
    names = [f.attname for f in fields]
    rows = list(model.objects.filter(pk__gt=last_pk).values_list(*names))
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    table = connection.ops.quote_name(model._meta.db_table)
    values = []
    for row in rows:
        copy = []
        for field, value in zip(fields, row, strict=True):
            if field.primary_key:
                value = value + OFFSET
            elif field.name == "run_key":
                value = f"{value}~"
            copy.append(field.get_db_prep_save(value, connection))
        values.append(copy)
    limit = connection.features.max_query_params or 65_535
    batch = max(1, min(1_000, limit // len(fields)))
    one = "(" + ", ".join(["%s"] * len(fields)) + ")"
    statements = []
    for first in range(0, len(values), batch):
        chunk = values[first : first + batch]
        sql = f"INSERT INTO {table} ({columns}) VALUES " + ", ".join([one] * len(chunk))
        statements.append((sql, [v for row in chunk for v in row]))
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        for sql, params in statements:
            cursor.execute(sql, params)
    seconds = time.perf_counter() - started
    with transaction.atomic(), connection.cursor() as cursor:
        pk = connection.ops.quote_name(model._meta.pk.column)
        cursor.execute(f"DELETE FROM {table} WHERE {pk} >= %s", [OFFSET])
    return seconds, len(rows)


def measure(runs: int, rounds: int) -> dict[str, Any]:
    import time_machine
    from django.core.management import call_command
    from django.test import Client

    from servicepact.backups.models import BackupRun

    call_command("migrate", verbosity=0)
    with time_machine.travel(SETUP_AT, tick=False):
        token = build()
    client = Client()
    results = []
    with time_machine.travel(POSTED_AT, tick=False):
        post_all(client, token, deliveries(GROUP, "warm"))  # imports, caches, first request
        for round_ in range(rounds):
            bodies = deliveries(runs, f"r{round_}")
            last = BackupRun.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
            started = time.perf_counter()
            post_all(client, token, bodies)
            ours = time.perf_counter() - started
            raw, rows = raw_insert(BackupRun, last)
            if rows != runs:
                raise SystemExit(f"the endpoint stored {rows} runs of {runs}")
            results.append((ours, raw))
    unmatched = BackupRun.objects.filter(asset__isnull=True).count()
    ours = min(r[0] for r in results)
    raw = min(r[1] for r in results)
    return {
        "runs": runs,
        "deliveries": len(deliveries(runs, "x")),
        "rounds": [round(r[0], 3) for r in results],
        "raw_rounds": [round(r[1], 3) for r in results],
        "seconds": ours,
        "raw_seconds": raw,
        "unmatched": unmatched,
    }


def child(backend: str, runs: int, rounds: int, out: Path) -> int:
    if backend == "sqlite":
        path = ROOT / "var" / "bench" / "backup_runs.sqlite3"
        path.parent.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        setup_django(f"sqlite:///{path}")
        try:
            results = measure(runs, rounds)
        finally:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
    else:
        results = on_throwaway_postgres(runs, rounds)
    out.write_text(json.dumps(results))
    return 0


def on_throwaway_postgres(runs: int, rounds: int) -> dict[str, Any]:
    import dj_database_url
    import psycopg

    server = dj_database_url.parse(os.environ["DATABASE_URL"])
    name = f"{server['NAME']}_bench_backups_{os.getpid()}"
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
            return measure(runs, rounds)
        finally:
            connections.close_all()
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.close()


def run_backend(backend: str, runs: int, rounds: int) -> dict[str, Any]:
    out = ROOT / "var" / "bench" / f"backup_runs_{backend}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    args = [sys.executable, __file__, "--child", backend, "--runs", str(runs)]
    subprocess.run([*args, "--rounds", str(rounds), "--out", str(out)], check=True)
    results = json.loads(out.read_text())
    out.unlink()
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="10,000 runs (under a minute)")
    parser.add_argument("--child", choices=["sqlite", "postgres"], help=argparse.SUPPRESS)
    parser.add_argument("--runs", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--rounds", type=int, help="rounds per backend (default 2; best kept)")
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args.child, args.runs, args.rounds, args.out)
    runs, rounds = (10_000, 2) if args.quick else (100_000, 2)
    rounds = args.rounds or rounds  # --rounds 1 on a busy machine
    backends = ["sqlite"] + (["postgres"] if os.environ.get("DATABASE_URL") else [])
    fields = []
    for backend in backends:
        r = run_backend(backend, runs, rounds)
        ratio = r["raw_seconds"] / r["seconds"]
        print(
            f"{backend}: {r['runs']} runs in {r['deliveries']} deliveries of {GROUP}; "
            f"endpoint rounds {r['rounds']} s (best {r['seconds']:.2f} s = "
            f"{r['runs'] / r['seconds']:.0f} runs/s); raw INSERT rounds {r['raw_rounds']} s "
            f"(best {r['raw_seconds']:.2f} s = {r['runs'] / r['raw_seconds']:.0f} runs/s); "
            f"raw / endpoint = {ratio:.3f}; unmatched kept {r['unmatched']}",
            flush=True,
        )
        fields += [
            f"{backend}_runs={r['runs']}",
            f"{backend}_runs_per_s={r['runs'] / r['seconds']:.0f}",
            f"{backend}_raw_runs_per_s={r['runs'] / r['raw_seconds']:.0f}",
            f"{backend}_ratio={ratio:.3f}",
        ]
    print("RESULT " + " ".join(fields))
    return 0


if __name__ == "__main__":
    sys.exit(main())
