"""Benchmark of the provider dashboard and the statement page with 90 days of history.

10k and 100k tickets (``--sizes``), opened over the 90 days before 30 Jun 2025 on 20
contracts (a quarter of them on contract C000-1), with their events and SLA clocks, bulk
inserted with the generator of ``bench/statement.py`` into SQLite (``var/bench/``) and, with
``--postgres`` (default on when PostgreSQL answers), into the database of ``DATABASE_URL``
(dropped and recreated: use your own, e.g. ``postgres://postgres@127.0.0.1:5432/sp_dash``).

Measured in the same process through the test client, each the median of ``--repeat`` GETs:

* ``/login/`` (the yardstick);
* ``/reports/dashboard/`` with every closed day of the month frozen by the worker
  (``reports.jobs.aggregate_due_days``), and without aggregates (every day computed from the
  clocks: what the dashboard did before the aggregates);
* C000-1's June statement page (stored by ``close_period``): the 50 latest breaches, and
  ``?breaches_page=1``; with page sizes.

Peak memory of one request of each through tracemalloc (Python and numpy allocations). On
PostgreSQL the plan of the statement's pause/resume/reopen scan is printed (EXPLAIN).

    .venv/bin/python bench/dashboard.py [--sizes 10000,100000] [--no-postgres]

The last line is machine-readable:
RESULT backend=... tickets=... login_ms=... dashboard_ms=... dashboard_live_ms=...
       dashboard_peak_mb=... dashboard_live_peak_mb=... statement_ms=... statement_kb=...
       statement_peak_mb=... breaches=... (one RESULT line per backend and size)
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
import tracemalloc
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

import statement as gen  # noqa: E402  (bench/statement.py: the shared generator)

NOW = datetime(2025, 6, 30, 20, tzinfo=UTC)
WEEKS_BACK = (0, 4, 8, 12)  # tickets of June shifted by whole weeks: 90 days of history
CONTRACTS = 20
DEFAULT_PG = "postgres://postgres@127.0.0.1:5432/sp_dash"


def setup(backend: str, url: str) -> None:
    """A fresh database (SQLite file or PostgreSQL database) migrated, Django set up once."""
    import django
    from django.core.management import call_command

    if backend == "sqlite":
        path = Path(url.removeprefix("sqlite:///"))
        path.parent.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    else:
        import psycopg

        name = url.rsplit("/", 1)[1]
        with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
            admin.execute(f'CREATE DATABASE "{name}"')
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "servicepact.settings"
    os.environ.setdefault("SERVICEPACT_INSECURE_DEV_KEY", "1")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    django.setup()
    call_command("migrate", verbosity=0)


class BoolTable(gen.Table):
    """gen.Table with real booleans (PostgreSQL refuses 1 for a boolean column)."""

    def insert(self, cursor: Any, columns: dict[str, Any], n: int) -> None:
        from django.db.models import BooleanField

        columns = dict(columns)
        for f in self.fields:
            if isinstance(f, BooleanField):
                given = columns.get(f.attname)
                if given is None:
                    given = self.defaults.get(f.attname, False)
                values = given.tolist() if isinstance(given, np.ndarray) else given
                columns[f.attname] = (
                    [bool(v) for v in values] if isinstance(values, list) else [bool(values)] * n
                )
        super().insert(cursor, columns, n)


def populate(total: int, fix: dict[str, Any]) -> float:
    gen.Table = BoolTable  # type: ignore[misc]
    rng = np.random.default_rng(gen.SEED)
    contracts = np.array(fix["contracts"], dtype=np.int64)
    began = time.perf_counter()
    done = 0
    while done < total:
        n = min(gen.CHUNK, total - done)
        t = gen.month_of_tickets(n, rng, fix["compiled"])
        shift = rng.choice(np.array(WEEKS_BACK) * 7 * 86400, n)
        for key in ("opened", "ack", "onsite", "pause_start", "pause_end", "resolved", "restored"):
            t[key] = np.where(t[key] >= 0, t[key] - shift, t[key])
        owner = np.where(rng.random(n) < 0.25, 0, rng.integers(1, len(contracts), n))
        gen.insert_tickets(done, t, contracts[owner], fix, int(NOW.timestamp()))
        done += n
    return time.perf_counter() - began


def catalogue() -> dict[str, Any]:
    from servicepact.contracts.calendars import compiled_calendar

    fix = gen.catalogue(CONTRACTS)
    fix["compiled"] = compiled_calendar(  # wide enough for the weeks shifted back
        fix["calendar"], timezone=gen.ZONE, first=date(2025, 2, 1), last=date(2025, 8, 31)
    )
    return fix


def median_ms(fn: Any, repeat: int) -> float:
    fn()  # warm-up: templates compiled, caches filled
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        fn()
        times.append(time.perf_counter() - began)
    return statistics.median(times) * 1000


def peak_mb(fn: Any) -> float:
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


def explain_pauses(contract_id: int) -> None:
    """The plans of the pause/resume/reopen scans: the dashboard's (every contract) and a
    statement's (one contract's tickets), as billing.clockdata._replay_paused runs them."""
    from django.db import connection
    from django.db.models import Subquery

    from servicepact.tickets.models import Ticket, TicketEvent

    every = TicketEvent.objects.filter(
        kind__in=("paused", "resumed", "reopened"), at__gte=datetime(2025, 6, 1, tzinfo=UTC)
    )
    one = every.filter(
        ticket_id__in=Subquery(Ticket.objects.filter(contract_id=contract_id).values("pk"))
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
        for label, qs in (("dashboard", every), ("statement", one)):
            sql, params = qs.values_list("ticket_id", "kind", "at", "id").query.sql_with_params()
            cursor.execute("EXPLAIN ANALYZE " + sql, params)
            print(f"  plan of the {label}'s pause/resume/reopen scan:")
            for (line,) in cursor.fetchall():
                print("    " + line)


def run(backend: str, url: str, total: int, repeat: int) -> str:
    from django.conf import settings
    from django.test import Client

    setup(backend, url)
    settings.TIME_ZONE = "UTC"
    settings.ALLOWED_HOSTS = ["*"]
    # Pages render without collectstatic's manifest (as the tests do).
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    import time_machine

    from servicepact.contracts.models import Contract
    from servicepact.reports.jobs import aggregate_due_days
    from servicepact.reports.models import AggregatedDay, DailyAggregate
    from servicepact.reports.services import close_period
    from servicepact.tickets.testing import user

    fix = catalogue()
    setup_s = populate(total, fix)
    print(f"{backend} {total:,} tickets inserted in {setup_s:.1f} s", flush=True)
    big = Contract.objects.select_related("customer", "plan").get(number="C000-1")
    if backend == "postgres":
        explain_pauses(big.pk)
    with time_machine.travel(NOW, tick=False):
        stored = close_period(big, "2025-06", now=datetime(2025, 7, 1, 16, tzinfo=UTC))
    breaches = len(stored.snapshot["breaches"])
    staff = user("bench-staff", staff=True)
    client = Client()
    client.force_login(staff)
    statement_url = f"/reports/desk/contracts/{big.pk}/statement/?period=2025-06"

    anonymous = Client()

    def get(url: str) -> bytes:
        response = (anonymous if url == "/login/" else client).get(url)
        assert response.status_code == 200, (url, response.status_code)
        return response.content

    with time_machine.travel(NOW, tick=False):
        began = time.perf_counter()
        while aggregate_due_days(NOW, limit=7):
            pass
        freeze_s = time.perf_counter() - began
        days = AggregatedDay.objects.count()
        login = median_ms(lambda: get("/login/"), repeat)
        dashboard = median_ms(lambda: get("/reports/dashboard/"), repeat)
        dashboard_peak = peak_mb(lambda: get("/reports/dashboard/"))
        statement = median_ms(lambda: get(statement_url), repeat)
        statement_kb = len(get(statement_url)) / 1024
        statement_peak = peak_mb(lambda: get(statement_url))
        page_kb = len(get(statement_url + "&breaches_page=1")) / 1024
        AggregatedDay.objects.all().delete()
        DailyAggregate.objects.all().delete()
        live = median_ms(lambda: get("/reports/dashboard/"), repeat)
        live_peak = peak_mb(lambda: get("/reports/dashboard/"))
    print(
        f"  {days} days frozen in {freeze_s:.1f} s; /login/ {login:.1f} ms; dashboard "
        f"{dashboard:.0f} ms (peak {dashboard_peak:.1f} MB), without aggregates {live:.0f} ms "
        f"(peak {live_peak:.1f} MB); statement page {statement:.0f} ms, {statement_kb:.0f} kB "
        f"(peak {statement_peak:.1f} MB), breaches page 1 {page_kb:.0f} kB, {breaches:,} breaches",
        flush=True,
    )
    return (
        f"RESULT backend={backend} tickets={total} login_ms={login:.1f} "
        f"dashboard_ms={dashboard:.0f} dashboard_live_ms={live:.0f} "
        f"dashboard_peak_mb={dashboard_peak:.1f} dashboard_live_peak_mb={live_peak:.1f} "
        f"statement_ms={statement:.0f} statement_kb={statement_kb:.0f} "
        f"statement_peak_mb={statement_peak:.1f} breaches={breaches} freeze_days_s={freeze_s:.1f}"
    )


def postgres_answers(url: str) -> bool:
    try:
        import psycopg

        with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", connect_timeout=2):
            return True
    except Exception:
        return False


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--no-sqlite", action="store_true")
    parser.add_argument("--one", nargs=2, metavar=("BACKEND", "SIZE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    pg_url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_PG)
    urls = {"sqlite": f"sqlite:///{ROOT}/var/bench/dashboard.sqlite3", "postgres": pg_url}
    if args.one:  # one backend and size in this process (a fresh Django for each)
        print(run(args.one[0], urls[args.one[0]], int(args.one[1]), args.repeat), flush=True)
        return 0
    backends = [] if args.no_sqlite else ["sqlite"]
    if not args.no_postgres and postgres_answers(pg_url):
        backends.append("postgres")
    results = []
    for backend in backends:
        for size in args.sizes.split(","):
            out = subprocess.run(
                [sys.executable, __file__, "--one", backend, size, "--repeat", str(args.repeat)],
                capture_output=True, text=True, check=False,
            )  # fmt: skip
            sys.stdout.write(out.stdout)
            sys.stderr.write(out.stderr[-3000:] if out.returncode else "")
            results += [line for line in out.stdout.splitlines() if line.startswith("RESULT")]
    print("\n".join(results))
    return 0 if len(results) == len(backends) * len(args.sizes.split(",")) else 1


if __name__ == "__main__":
    sys.exit(main())
