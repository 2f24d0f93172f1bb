"""Benchmark of the API ticket list: page 1, a deep page by offset and by cursor, a contact's list.

For 10k and 100k tickets (--quick: 10k only) on a throwaway SQLite file under var/bench/ and on
PostgreSQL (database ``sp_lists_bench`` on the server of DATABASE_URL, default
``postgres://postgres@127.0.0.1:5432/``, created and dropped; skipped with --no-postgres), one
ticket is opened through the services for each of two customers and cloned into the table
with ``bulk_create`` (opened a minute apart, every tenth one sharing its neighbour's instant;
one customer owns 2 % of them). In the same process, with Django's test client and a staff
bearer token, the median of --repeats requests of:

* ``login``: ``GET /login/`` (the page everything is compared with);
* ``page1``: ``GET /api/v1/tickets?limit=50`` (capped count);
* ``page1_exact``: the same with ``count=exact``;
* ``deep_offset``: ``limit=50&offset=N-100`` (the second-to-last page by offset);
* ``deep_cursor``: the same rows with ``after=<cursor>`` (keyset);
* ``contact``: the small customer's contact listing its own tickets, page 1.

    .venv/bin/python bench/api_list.py [--quick] [--repeats 7] [--no-postgres]

The last line is machine-readable (``*_x`` = median / login median, per backend and size):
RESULT sqlite_10k_page1_x=... sqlite_100k_deep_offset_x=... sqlite_100k_deep_cursor_x=... ...
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
PG_NAME = "sp_lists_bench"


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "servicepact.settings"
    os.environ.setdefault("DEBUG", "1")
    import django
    from django.conf import settings

    django.setup()
    settings.ALLOWED_HOSTS = ["*"]
    settings.EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"


def build(total: int) -> dict[str, Any]:
    import time_machine
    from django.core.management import call_command

    from servicepact.accounts.services import create_api_token
    from servicepact.tickets import services
    from servicepact.tickets.models import Ticket
    from servicepact.tickets.testing import ny, world

    call_command("migrate", verbosity=0)
    with time_machine.travel(ny(2025, 6, 2, 9), tick=False):
        big = world(code="big")
        small = world(code="small", agent=big.agent)
        templates = [
            services.open_ticket(
                customer=w.customer,
                contact=w.contact,
                asset=w.asset,
                subject="Disk",
                impact=2,
                urgency=2,
                actor=w.contact.user,
            )
            for w in (big, small)
        ]
    start = ny(2024, 1, 1)
    batch: list[Ticket] = []
    skip = {"id", "number"}
    fields = [f.attname for f in Ticket._meta.concrete_fields if f.attname not in skip]
    for i in range(total):
        tpl = templates[1] if i % 50 == 0 else templates[0]
        row = Ticket(**{f: getattr(tpl, f) for f in fields})
        row.number = f"B{i:08d}"
        row.opened_at = start + timedelta(minutes=i - (1 if i % 10 == 0 else 0))
        row.description = "x" * 2000
        batch.append(row)
        if len(batch) == 5000:
            Ticket.objects.bulk_create(batch)
            batch = []
    Ticket.objects.bulk_create(batch)
    _, staff_token = create_api_token(user=big.agent, name="bench")
    _, contact_token = create_api_token(user=small.contact.user, name="bench")
    return {"staff": staff_token, "contact": contact_token, "total": total + 2}


def median_ms(client: Any, url: str, headers: dict[str, str], repeats: int) -> float:
    samples = []
    for _ in range(repeats + 1):
        t0 = time.perf_counter()
        response = client.get(url, headers=headers)
        samples.append((time.perf_counter() - t0) * 1000)
        assert response.status_code == 200, (url, response.status_code, response.content[:300])
    return statistics.median(samples[1:])  # the first request warms caches


def measure(total: int, repeats: int) -> dict[str, float]:
    from django.test import Client

    from servicepact.core import keyset
    from servicepact.tickets.models import Ticket

    made = build(total)
    client = Client()
    staff = {"Authorization": f"Bearer {made['staff']}"}
    contact = {"Authorization": f"Bearer {made['contact']}"}
    deep = made["total"] - 100
    order = Ticket.objects.order_by("-opened_at", "-id")
    before = order[deep - 1 : deep].get()
    cursor = keyset.encode(before, keyset.sort_keys(order))
    base = "/api/v1/tickets?limit=50"
    by_offset = client.get(f"{base}&offset={deep}", headers=staff).json()["items"]
    by_cursor = client.get(f"{base}&after={cursor}", headers=staff).json()["items"]
    assert [r["id"] for r in by_offset] == [r["id"] for r in by_cursor]
    return {
        "login": median_ms(client, "/login/", {}, repeats),
        "page1": median_ms(client, base, staff, repeats),
        "page1_exact": median_ms(client, f"{base}&count=exact", staff, repeats),
        "deep_offset": median_ms(client, f"{base}&offset={deep}", staff, repeats),
        "deep_cursor": median_ms(client, f"{base}&after={cursor}", staff, repeats),
        "contact": median_ms(client, base, contact, repeats),
    }


def child(url: str, total: int, repeats: int) -> None:
    setup_django(url)
    print(json.dumps(measure(total, repeats)))


def run(url: str, total: int, repeats: int) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", url, str(total), str(repeats)],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def postgres_admin(url: str, sql: str) -> None:
    import dj_database_url
    import psycopg

    server = dj_database_url.parse(url)
    with psycopg.connect(
        dbname="postgres",
        user=server["USER"],
        host=server["HOST"] or None,
        port=server["PORT"] or None,
        password=server["PASSWORD"] or None,
        autocommit=True,
    ) as admin:
        admin.execute(sql)


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
        return 0
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    sizes = [10_000] if args.quick else [10_000, 100_000]
    server = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    result: list[str] = []
    for backend in ["sqlite"] + ([] if args.no_postgres else ["postgres"]):
        for size in sizes:
            if backend == "sqlite":
                path = ROOT / "var" / "bench" / "api_list.sqlite3"
                path.parent.mkdir(parents=True, exist_ok=True)
                path.unlink(missing_ok=True)
                got = run(f"sqlite:///{path}", size, args.repeats)
                path.unlink(missing_ok=True)
            else:
                postgres_admin(server, f'DROP DATABASE IF EXISTS "{PG_NAME}"')
                postgres_admin(server, f'CREATE DATABASE "{PG_NAME}"')
                try:
                    got = run(server.rsplit("/", 1)[0] + "/" + PG_NAME, size, args.repeats)
                finally:
                    postgres_admin(server, f'DROP DATABASE IF EXISTS "{PG_NAME}"')
            label = f"{backend}_{size // 1000}k"
            print(f"{label:<14} " + "  ".join(f"{k}={v:.1f}ms" for k, v in got.items()), flush=True)
            for key, value in got.items():
                if key != "login":
                    result.append(f"{label}_{key}_x={value / got['login']:.1f}")
            result.append(f"{label}_login_ms={got['login']:.1f}")
    print("RESULT " + " ".join(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
