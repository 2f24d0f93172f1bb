"""Benchmark of monthly statements and the portfolio dashboard on large ticket volumes.

A contract with 100k tickets in June 2025, inside a portfolio of 1M tickets (200 contracts;
--quick: 100k in a portfolio of 200k). Tickets, their events (opened, acknowledged, on site
for P1, waiting on the customer for 10 %, resolved for 95 %) and their SLA clocks are made
with numpy from the same calendar and plan as the tests (Mon-Fri 09:00-18:00 New York,
tickets.testing.plan), then bulk-inserted into a throwaway SQLite file under var/bench/.

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

SEED = 20250601
ZONE = "America/New_York"
CONTRACT_TICKETS = 100_000
NAIVE_SUBSET = 2_000
CHUNK = 50_000
PRIORITY_SHARE = (0.10, 0.20, 0.35, 0.35)


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


def ny(*args: int) -> datetime:
    from zoneinfo import ZoneInfo

    return datetime(*args, tzinfo=ZoneInfo(ZONE))


def epoch(value: datetime) -> int:
    return int(value.timestamp())


# ---------------------------------------------------------------- fixtures through the services


def catalogue(contracts: int) -> dict[str, Any]:
    """One calendar and plan; ``contracts`` customers with one contract each (the first is
    the big one)."""
    import time_machine

    from servicepact.billing.services import set_credit_schedule
    from servicepact.contracts.calendars import compiled_calendar
    from servicepact.contracts.services import create_contract
    from servicepact.customers.models import Customer
    from servicepact.tickets.testing import business_calendar, plan

    with time_machine.travel(ny(2025, 1, 1, 8), tick=False):
        calendar = business_calendar(name="NY business hours")
        service_plan = plan(calendar, code="bench-plan")
        rows = []
        for i in range(contracts):
            customer = Customer.objects.create(
                name=f"Customer {i:03d}", code=f"c{i:03d}", timezone=ZONE
            )
            contract = create_contract(
                number=f"C{i:03d}-1",
                customer=customer,
                plan=service_plan,
                start_date=datetime(2025, 1, 1).date(),
                end_date=datetime(2026, 12, 31).date(),
                fee_amount=3000,
            )
            version = contract.versions.get()
            set_credit_schedule(
                version=version,
                tiers=[("99.95", "5"), ("99.9", "10"), ("99", "25")],
                breach_credits=[
                    {"metric": "on_site", "priority": 1, "credit_percent": "2"},
                    {"metric": "first_response", "priority": 1, "credit_percent": "1"},
                ],
                cap_percent="30",
            )
            rows.append((contract.pk, version.pk, customer.pk))
    compiled = compiled_calendar(
        calendar,
        timezone=ZONE,
        first=datetime(2025, 5, 1).date(),
        last=datetime(2025, 8, 31).date(),
    )
    return {"calendar": calendar, "compiled": compiled, "contracts": rows, "plan": service_plan}


# ---------------------------------------------------------------- synthetic month


TARGETS = {  # (priority, metric) -> minutes: tickets.testing.plan
    (1, "first_response"): 30, (1, "on_site"): 240, (1, "restore"): 240, (1, "resolution"): 480,
    (2, "first_response"): 60, (2, "restore"): 240, (2, "resolution"): 480,
    (3, "first_response"): 120, (3, "resolution"): 960,
    (4, "first_response"): 240, (4, "resolution"): 2400,
}  # fmt: skip


def month_of_tickets(n: int, rng: np.random.Generator, compiled: Any) -> dict[str, np.ndarray]:
    """Opening, acknowledgement, arrival, pause and resolution instants for ``n`` tickets."""
    from servicepact.slaclock import PauseSet

    lo, hi = epoch(ny(2025, 6, 2)), epoch(ny(2025, 6, 28))
    opened = rng.integers(lo, hi, n)
    priority = rng.choice([1, 2, 3, 4], n, p=PRIORITY_SHARE)
    fr = np.array([TARGETS[(p, "first_response")] for p in (1, 2, 3, 4)])[priority - 1] * 60
    res = np.array([TARGETS[(p, "resolution")] for p in (1, 2, 3, 4)])[priority - 1] * 60
    # Business-time durations around the targets: about one clock in ten breaches.
    ack = compiled.deadline_many(opened, (fr * rng.uniform(0.1, 1.1, n)).astype(np.int64))
    ack = np.maximum(ack, opened + 60)
    onsite = compiled.deadline_many(opened, (240 * 60 * rng.uniform(0.3, 1.1, n)).astype(np.int64))
    onsite = np.maximum(onsite, opened + 120)
    paused = rng.random(n) < 0.10
    pause_start = ack + 600
    pause_end = pause_start + rng.integers(3600, 30 * 3600, n)
    idx = np.flatnonzero(paused)
    pauses = PauseSet(
        np.concatenate(([0], np.cumsum(paused.astype(np.int64)))),
        pause_start[idx],
        pause_end[idx],
    )
    resolved = compiled.deadline_many(
        opened, (res * rng.uniform(0.1, 1.1, n)).astype(np.int64), pauses
    )
    resolved = np.maximum(resolved, np.where(paused, pause_end + 60, ack + 60))
    restored = compiled.deadline_many(
        opened, (240 * 60 * rng.uniform(0.2, 1.1, n)).astype(np.int64), pauses
    )
    # Restored while work goes on: after the acknowledgement, never while waiting.
    restored = np.maximum(restored, ack + 30)
    restored = np.where(
        paused & (restored >= pause_start), np.maximum(restored, pause_end + 30), restored
    )
    restored = np.minimum(restored, resolved)
    open_now = rng.random(n) < 0.05
    return {
        "opened": opened, "priority": priority, "ack": ack, "onsite": onsite,
        "paused": paused, "pause_start": pause_start, "pause_end": pause_end,
        "resolved": np.where(open_now, -1, resolved),
        "restored": np.where(open_now & (restored == resolved), -1, restored),
    }  # fmt: skip


# ---------------------------------------------------------------- bulk insert


def _text(seconds: np.ndarray) -> np.ndarray:
    """Epoch seconds -> Django's SQLite datetime text ('YYYY-MM-DD HH:MM:SS', UTC)."""
    return np.char.replace(
        np.datetime_as_string(seconds.astype("datetime64[s]"), unit="s"), "T", " "
    )


class Table:
    """INSERT rows of a model given some columns; every other column takes its default."""

    def __init__(self, model: Any) -> None:
        from django.db.models import NOT_PROVIDED

        self.model = model
        self.fields = [f for f in model._meta.concrete_fields if not f.primary_key]
        self.defaults: dict[str, Any] = {}
        for f in self.fields:
            if f.has_default():
                value = f.get_default()
                self.defaults[f.attname] = value() if callable(value) else value
            elif f.null:
                self.defaults[f.attname] = None
            elif f.default is NOT_PROVIDED and getattr(f, "auto_now", False) is False:
                self.defaults[f.attname] = ""
        self.columns = [f.column for f in self.fields]

    def insert(self, cursor: Any, columns: dict[str, Any], n: int) -> None:
        import json

        values = []
        for f in self.fields:
            given = columns.get(f.attname)
            if given is None:
                value = self.defaults.get(f.attname)
                if isinstance(value, dict | list):
                    value = json.dumps(value)
                elif isinstance(value, bool):
                    value = int(value)
                values.append([value] * n)
            elif isinstance(given, np.ndarray):
                values.append(given.tolist())
            elif isinstance(given, list):
                values.append(given)
            else:
                values.append([given] * n)
        sql = (
            f'INSERT INTO "{self.model._meta.db_table}" ({", ".join(self.columns)}) '
            f"VALUES ({', '.join(['%s'] * len(self.columns))})"
        )
        cursor.executemany(sql, list(zip(*values, strict=True)))


def insert_tickets(
    first_number: int,
    t: dict[str, np.ndarray],
    contract_rows: np.ndarray,
    fix: dict[str, Any],
    now_s: int,
) -> None:
    from django.db import connection, transaction

    from servicepact.slaclock import PauseSet
    from servicepact.tickets.models import SlaClock, Ticket, TicketEvent

    n = t["opened"].size
    compiled = fix["compiled"]
    with transaction.atomic(), connection.cursor() as cursor:
        opened = _text(t["opened"])
        resolved = t["resolved"]
        done = resolved >= 0
        cursor.execute('SELECT COALESCE(MAX(id), 0) FROM "tickets_ticket"')
        ids_before = cursor.fetchone()[0]
        Table(Ticket).insert(
            cursor,
            {
                "number": [f"B{first_number + i:08d}" for i in range(n)],
                "customer_id": contract_rows[:, 2],
                "contract_id": contract_rows[:, 0],
                "contract_version_id": contract_rows[:, 1],
                "priority": t["priority"],
                "priority_name": [f"P{p}" for p in t["priority"].tolist()],
                "subject": ["Bench ticket"] * n,
                "status": np.where(done, "resolved", "in_progress"),
                "coverage": ["active"] * n,
                "coverage_explanation": ["bench"] * n,
                "timezone": [ZONE] * n,
                "opened_at": opened,
                "acknowledged_at": _text(t["ack"]),
                "resolved_at": [s if d else None for s, d in zip(_text(np.where(done, resolved, 0)).tolist(), done.tolist(), strict=True)],
                "created_at": opened,
                "updated_at": opened,
            },
            n,
        )  # fmt: skip
        ticket_id = np.arange(ids_before + 1, ids_before + n + 1, dtype=np.int64)
        # Events: opened, acknowledged, on site (P1), paused/resumed (10 %), resolved (95 %).
        p1 = t["priority"] == 1
        restores = (
            (t["priority"] <= 2)
            & (t["restored"] >= 0)
            & (t["restored"] < np.where(done, resolved, 2**62))
        )
        kinds, tids, ats = (
            ["opened", "acknowledged"],
            [ticket_id, ticket_id],
            [t["opened"], t["ack"]],
        )
        parts = [
            ("onsite_arrived", p1, t["onsite"]),
            ("restored", restores, t["restored"]),
            ("paused", t["paused"], t["pause_start"]),
            ("resumed", t["paused"], t["pause_end"]),
            ("resolved", done, resolved),
        ]
        for kind, mask, at in parts:
            kinds.append(kind)
            tids.append(ticket_id[mask])
            ats.append(at[mask])
        ev_kind = np.concatenate([np.full(a.size, k) for k, a in zip(kinds, tids, strict=True)])
        ev_ticket = np.concatenate(tids)
        ev_at = _text(np.concatenate(ats))
        Table(TicketEvent).insert(
            cursor,
            {
                "ticket_id": ev_ticket,
                "kind": ev_kind,
                "at": ev_at,
                "recorded_at": ev_at,
                "public": 1,
            },
            ev_ticket.size,
        )
        # Clocks: the snapshot refresh_clocks would store, computed with the bulk engine.
        rows = []
        for metric in ("first_response", "on_site", "restore", "resolution"):
            has = np.array([(int(p), metric) in TARGETS for p in t["priority"]])
            if metric == "on_site":
                has &= p1
            restore_stop = np.where(restores, t["restored"], resolved)
            stop = {
                "first_response": t["ack"],
                "on_site": t["onsite"],
                "restore": restore_stop,
            }.get(metric, resolved)
            rows.append((metric, np.flatnonzero(has), stop))
        for metric, idx, stop in rows:
            target = np.array(
                [TARGETS[(int(p), metric)] * 60 for p in t["priority"][idx]], dtype=np.int64
            )
            start = t["opened"][idx]
            stop_i = stop[idx]
            end = np.where(stop_i >= 0, np.minimum(stop_i, now_s), now_s)
            pausable = metric in ("restore", "resolution")
            paused = t["paused"][idx] & pausable
            pauses = PauseSet(
                np.concatenate(([0], np.cumsum(paused.astype(np.int64)))),
                t["pause_start"][idx][paused],
                t["pause_end"][idx][paused],
            )
            elapsed = compiled.business_seconds_many(start, end, pauses)
            deadline = compiled.deadline_many(start, target, pauses)
            stopped = stop_i >= 0
            state = np.where(elapsed > target, "breached", np.where(stopped, "met", "running"))
            Table(SlaClock).insert(
                cursor,
                {
                    "ticket_id": ticket_id[idx],
                    "metric": [metric] * idx.size,
                    "priority": t["priority"][idx],
                    "target_seconds": target,
                    "target_source": ["plan Bench Plan"] * idx.size,
                    "calendar_id": [fix["calendar"].pk] * idx.size,
                    "calendar_revision": [fix["calendar"].revision] * idx.size,
                    "timezone": [ZONE] * idx.size,
                    "state": state,
                    "started_at": _text(start),
                    "stopped_at": [s if k else None for s, k in zip(_text(np.where(stopped, stop_i, 0)).tolist(), stopped.tolist(), strict=True)],
                    "deadline_at": _text(deadline),
                    "breached_at": [s if b else None for s, b in zip(_text(deadline).tolist(), (elapsed >= target).tolist(), strict=True)],
                    "elapsed_seconds": elapsed,
                    "remaining_seconds": np.maximum(0, target - elapsed),
                    "breached_by_seconds": np.maximum(0, elapsed - target),
                    "evaluated_at": [_text(np.array([now_s]))[0]] * idx.size,
                    "breach_recorded": (elapsed > target).astype(int),
                },
                idx.size,
            )  # fmt: skip


def populate(total: int, fix: dict[str, Any], now_s: int) -> float:
    """``CONTRACT_TICKETS`` on the first contract, the rest spread over the others."""
    rng = np.random.default_rng(SEED)
    contracts = np.array(fix["contracts"], dtype=np.int64)
    began = time.perf_counter()
    done = 0
    while done < total:
        n = min(CHUNK, total - done)
        t = month_of_tickets(n, rng, fix["compiled"])
        owner = np.where(
            np.arange(done, done + n) < CONTRACT_TICKETS,
            0,
            rng.integers(1, len(contracts), n),
        )
        insert_tickets(done, t, contracts[owner], fix, now_s)
        done += n
        print(f"  inserted {done:,} tickets", file=sys.stderr, flush=True)
    return time.perf_counter() - began


# ---------------------------------------------------------------- the naive loop


def naive(ticket_ids: list[int], cutoff: datetime) -> dict[int, tuple[str, int]]:
    """Per ticket: its clocks and events from the ORM, then the engine per clock."""
    from servicepact.contracts.calendars import compiled_calendar
    from servicepact.slaclock import evaluate_clock
    from servicepact.tickets.clocks import EventFact, clock_events
    from servicepact.tickets.models import Ticket

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
                compiled, clock.target_seconds, clock_events(clock.metric, facts), cutoff
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
        f"dashboard_speedup={naive_dashboard_s / dashboard_s:.1f} naive_mismatches={wrong}"
    )
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main())
