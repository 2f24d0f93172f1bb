"""The dashboard's renewal-risk table (``billing.renewal_risk.renewal_risks``) at 10k and
100k tickets, beside a trivial query in the same process.

Tickets come from ``bench/_scale_data.py`` (opened in June 2025, 20 contracts ending
2026-12-31). The risk is read "now" = 15 Sep 2026: every contract renews within 120 days and
every ticket is 15 months old, so a table whose cost follows the history (not the last
months) shows it as growth from 10k to 100k.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/sp_risk .venv/bin/python bench/renewal_risk.py
    [--sizes 10000,100000] [--repeat 9]

The database of ``DATABASE_URL`` is dropped and recreated per size (use your own).

RESULT risk_10k_ms=... risk_100k_ms=... query_ms=... growth_10k_100k=... risk_100k_x_query=...
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

NOW = datetime(2026, 9, 15, 12, tzinfo=UTC)
LOADED_AT = datetime(2025, 6, 30, 20, tzinfo=UTC)
CONTRACTS = 20


def setup(url: str) -> None:
    import django
    import psycopg
    from django.core.management import call_command

    if django.apps.apps.ready:  # the previous size's connection holds the database
        from django.db import connections

        connections.close_all()
    name = url.rsplit("/", 1)[1]
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "servicepact.settings"
    os.environ.setdefault("SERVICEPACT_INSECURE_DEV_KEY", "1")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    if not django.apps.apps.ready:
        django.setup()
    call_command("migrate", verbosity=0)


def median_ms(fn: Any, repeat: int) -> float:
    fn()
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        fn()
        times.append(time.perf_counter() - began)
    return statistics.median(times) * 1000


def run(url: str, total: int, repeat: int) -> tuple[float, float, int]:
    setup(url)
    from _scale_data import catalogue, epoch, populate

    from servicepact.billing.renewal_risk import renewal_risks
    from servicepact.contracts.models import Contract

    fix = catalogue(CONTRACTS)
    populate(total, fix, epoch(LOADED_AT), contract_tickets=total // 10)
    first = fix["contracts"][0][0]
    risks = renewal_risks(now=NOW)
    risk_ms = median_ms(lambda: renewal_risks(now=NOW), repeat)
    query_ms = median_ms(lambda: Contract.objects.filter(pk=first).exists(), repeat)
    print(f"{total:,} tickets: renewal risk {risk_ms:.1f} ms ({len(risks)} contracts), "
          f"trivial query {query_ms:.2f} ms", flush=True)  # fmt: skip
    return risk_ms, query_ms, len(risks)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--repeat", type=int, default=9)
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/sp_risk")
    if not url.startswith("postgres"):
        sys.exit("bench/renewal_risk.py measures on PostgreSQL: set DATABASE_URL")
    sizes = [int(s) for s in args.sizes.split(",")]
    figures = {n: run(url, n, args.repeat) for n in sizes}
    small, big = figures[sizes[0]], figures[sizes[-1]]
    print(
        f"RESULT risk_{sizes[0] // 1000}k_ms={small[0]:.1f} risk_{sizes[-1] // 1000}k_ms="
        f"{big[0]:.1f} query_ms={big[1]:.2f} growth_{sizes[0] // 1000}k_{sizes[-1] // 1000}k="
        f"{big[0] / small[0]:.2f} risk_{sizes[-1] // 1000}k_x_query={big[0] / big[1]:.1f}"
    )


if __name__ == "__main__":
    main()
