"""Benchmark of monthly statements and the portfolio dashboard on large ticket volumes.

A contract with 100k tickets in June 2025, inside a portfolio of 1M tickets (200 contracts;
--quick: 100k in a portfolio of 200k). Tickets, their events (opened, acknowledged, on site
for P1, waiting on the customer for 10 %, resolved for 95 %) and their SLA clocks are made
with numpy from the same calendar and plan as the tests (Mon-Fri 09:00-18:00 New York,
tickets.testing.plan), then bulk-inserted into a throwaway SQLite file under var/bench/
(the generator lives in bench/_scale_data.py, shared with bench/scale_pages.py).

Timed in the same run, on the same data:

* our statement: ``reports.statement.build_statement`` of the 100k contract for June (SQL +
  one bulk engine pass + numpy), plus its JSON and CSV;
* our dashboard: ``reports.dashboard.portfolio`` over the whole portfolio (month to date);
* a naive per-ticket loop: for each ticket its clocks and events from the ORM, then
  ``evaluate_clock`` per clock; on a 2,000-ticket subset, scaled to the full count. The
  subset's results are checked against ours, clock by clock.

    .venv/bin/python bench/statement.py [--quick]

The last line is machine-readable:
RESULT statement_tickets=... statement_s=... naive_statement_s=... statement_speedup=...
       portfolio_tickets=... dashboard_s=... naive_dashboard_s=... dashboard_speedup=...
       naive_mismatches=... audit_export_s=... audit_verify_s=... audit_differences=...
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

from _scale_data import CONTRACT_TICKETS, SEED, catalogue, epoch, ny, populate  # noqa: E402

NAIVE_SUBSET = 2_000


def setup_django(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    os.environ["DATABASE_URL"] = f"sqlite:///{path}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "servicepact.settings"
    os.environ.setdefault("SERVICEPACT_INSECURE_DEV_KEY", "1")  # no DEBUG, no real key needed
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    from django.db import connection

    with connection.cursor() as cursor:
        # SQLite's default page cache is 2 MB; a reporting read of 100k tickets wants more.
        cursor.execute("PRAGMA cache_size=-262144")


# ---------------------------------------------------------------- the naive loop


def naive(ticket_ids: list[int], cutoff: datetime) -> dict[int, tuple[str, int]]:
    """Per ticket: its clocks and events from the ORM, then the engine per clock."""
    from servicepact.contracts.calendars import compiled_calendar
    from servicepact.contracts.metrics import load_metrics
    from servicepact.slaclock import evaluate_clock
    from servicepact.tickets.clocks import EventFact, clock_events
    from servicepact.tickets.models import Ticket

    metrics = load_metrics()  # the definitions, read once (as the bulk path does)
    results: dict[int, tuple[str, int]] = {}
    for ticket in Ticket.objects.filter(pk__in=ticket_ids).order_by("pk"):
        facts = [EventFact(at=e.at, kind=e.kind) for e in ticket.events.order_by("at", "id")]
        for clock in ticket.clocks.select_related("calendar"):
            compiled = compiled_calendar(
                clock.calendar,
                timezone=clock.timezone,
                first=ticket.opened_at.date(),
                last=cutoff.date(),
            )
            result = evaluate_clock(
                compiled, clock.target_seconds, clock_events(metrics[clock.metric], facts), cutoff
            )
            results[clock.pk] = (str(result.state), result.elapsed_seconds)
    return results


def check(ours: Any, theirs: dict[int, tuple[str, int]]) -> int:
    """Clocks where the naive loop and the bulk path disagree (state or elapsed)."""
    index = {int(c): i for i, c in enumerate(ours.clock_id.tolist())}
    wrong = 0
    for clock_id, (state, elapsed) in theirs.items():
        i = index[clock_id]
        mine = "breached" if ours.breached[i] else ("met" if ours.stop[i] != -1 else "running")
        if (mine, int(ours.elapsed[i])) != (state if state != "paused" else "running", elapsed):
            wrong += 1
    return wrong


# ---------------------------------------------------------------- main


def timed(label: str, fn: Any) -> tuple[Any, float]:
    began = time.perf_counter()
    value = fn()
    seconds = time.perf_counter() - began
    print(f"{label:<58} {seconds:8.2f} s", flush=True)
    return value, seconds


def bench_audit(contract: Any, now: datetime) -> tuple[float, float, int]:
    """The month's audit export, then ``audit verify`` on it (no database): its time and
    the number of figures that differ (0 expected)."""
    from servicepact.reports.audit import audit_export
    from servicepact.slaclock.audit_verify import verify

    data, export_s = timed(
        "audit export (zip: clocks, availability, credits, statement)",
        lambda: audit_export(contract, "2025-06", now=now),
    )
    path = ROOT / "var" / "bench" / "audit-C000-1-2025-06.zip"
    path.write_bytes(data)
    report, verify_s = timed("audit verify (recompute every figure)", lambda: verify(str(path)))
    differences = len(report.differences)
    print(f"audit verify: {len(report.figures):,} figures, {differences} differ", flush=True)
    return export_s, verify_s, differences


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="100k tickets in a 200k portfolio")
    args = parser.parse_args()
    portfolio_size = 200_000 if args.quick else 1_000_000
    contracts = 20 if args.quick else 200
    setup_django(ROOT / "var" / "bench" / "statement.sqlite3")

    from django.conf import settings

    from servicepact.billing.clockdata import load_clocks
    from servicepact.contracts.models import Contract
    from servicepact.reports.dashboard import portfolio
    from servicepact.reports.formats import render_csv, render_json
    from servicepact.reports.statement import build_statement
    from servicepact.tickets.models import Ticket

    settings.TIME_ZONE = "UTC"
    statement_now = ny(2025, 7, 1, 12)
    dashboard_now = datetime(2025, 6, 30, 20, tzinfo=UTC)
    fix = catalogue(contracts)
    print(f"portfolio {portfolio_size:,} tickets on {contracts} contracts; "
          f"contract C000-1 has {CONTRACT_TICKETS:,} in June 2025", flush=True)  # fmt: skip
    setup_s = populate(portfolio_size, fix, epoch(dashboard_now))
    print(f"{'bulk insert (tickets, events, clocks)':<58} {setup_s:8.2f} s", flush=True)
    big = Contract.objects.select_related("customer", "plan").get(number="C000-1")

    snapshot, statement_s = timed(
        "our statement (build_statement, 100k tickets)",
        lambda: build_statement(big, "2025-06", now=statement_now),
    )
    _, export_s = timed(
        "  + JSON and CSV of it", lambda: (render_json(snapshot), render_csv(snapshot))
    )
    statement_s += export_s
    audit_s, verify_s, differences = bench_audit(big, statement_now)
    board, dashboard_s = timed(
        f"our dashboard (portfolio, {portfolio_size:,} tickets)",
        lambda: portfolio(now=dashboard_now),
    )

    rng = np.random.default_rng(SEED + 1)
    big_ids = list(Ticket.objects.filter(contract=big).values_list("pk", flat=True))
    subset = sorted(rng.choice(big_ids, NAIVE_SUBSET, replace=False).tolist())
    cutoff = ny(2025, 7, 1)  # the statement's cut-off: the end of June
    theirs, naive_s = timed(
        f"naive per-ticket loop, {NAIVE_SUBSET:,} tickets (statement cut-off)",
        lambda: naive(subset, cutoff),
    )
    ours = load_clocks(since=ny(2025, 6, 1), cutoff=cutoff, contract_ids=[big.pk])
    wrong = check(ours, theirs)
    per_ticket = naive_s / NAIVE_SUBSET
    naive_statement_s = per_ticket * CONTRACT_TICKETS
    naive_dashboard_s = per_ticket * portfolio_size
    overall = snapshot["compliance"]["overall"]
    print(
        f"statement C000-1 2025-06: {overall['met']:,} met / {overall['total']:,} decided "
        f"({overall['percent']} %), {len(snapshot['breaches']):,} breaches, credits "
        f"{snapshot['credits']['amount']} {snapshot['credits']['currency']}; "
        f"portfolio {board['overall']['total']:,} decided clocks ({board['overall']['percent']} %)"
    )
    print(f"naive loop vs ours on the subset: {len(theirs):,} clocks compared, {wrong} differ")
    print(f"naive per ticket: {per_ticket * 1000:.2f} ms -> {naive_statement_s:.0f} s for "
          f"{CONTRACT_TICKETS:,}, {naive_dashboard_s:.0f} s for {portfolio_size:,} (scaled)")  # fmt: skip
    print(
        f"RESULT statement_tickets={CONTRACT_TICKETS} statement_s={statement_s:.2f} "
        f"naive_statement_s={naive_statement_s:.1f} "
        f"statement_speedup={naive_statement_s / statement_s:.1f} "
        f"portfolio_tickets={portfolio_size} dashboard_s={dashboard_s:.2f} "
        f"naive_dashboard_s={naive_dashboard_s:.1f} "
        f"dashboard_speedup={naive_dashboard_s / dashboard_s:.1f} naive_mismatches={wrong} "
        f"audit_export_s={audit_s:.2f} audit_verify_s={verify_s:.2f} "
        f"audit_differences={differences}"
    )
    return 1 if wrong or differences else 0


if __name__ == "__main__":
    sys.exit(main())
