"""Synthetic tickets at scale, shared by bench/statement.py and bench/scale_pages.py.

Customers, contracts, the calendar, the plan and portal contacts are made through the services
(a few hundred rows); tickets, their events and their SLA clocks are computed with numpy and
the bulk engine (the snapshot ``refresh_clocks`` would store, ``next_deadline_at`` included) and
bulk-loaded: ``executemany`` INSERTs on SQLite, ``COPY ... FROM STDIN`` (psycopg 3
``cursor.copy``) on PostgreSQL. Tickets are opened in June 2025 (Mon-Fri 09:00-18:00 New York,
``tickets.testing.plan``); 5 % are still open (status in progress, clocks running or breached).
"""

from __future__ import annotations

import json
import sys
import time
from datetime import datetime
from typing import Any

import numpy as np

SEED = 20250601
ZONE = "America/New_York"
CONTRACT_TICKETS = 100_000
CHUNK = 50_000
PRIORITY_SHARE = (0.10, 0.20, 0.35, 0.35)
OPEN_SHARE = 0.05
PORTAL_PASSWORD = "bench-portal-password"


def ny(*args: int) -> datetime:
    from zoneinfo import ZoneInfo

    return datetime(*args, tzinfo=ZoneInfo(ZONE))


def epoch(value: datetime) -> int:
    return int(value.timestamp())


def postgres() -> bool:
    from django.db import connection

    return connection.vendor == "postgresql"


# ---------------------------------------------------------------- fixtures through the services


def catalogue(contracts: int) -> dict[str, Any]:
    """One calendar and plan; ``contracts`` customers with one contract each (the first is
    the big one)."""
    import time_machine

    from servicepact.billing.services import set_credit_schedule
    from servicepact.contracts.calendars import compiled_calendar
    from servicepact.contracts.services import create_contract
    from servicepact.customers.services import create_customer
    from servicepact.tickets.testing import business_calendar, plan

    with time_machine.travel(ny(2025, 1, 1, 8), tick=False):
        calendar = business_calendar(name="NY business hours")
        service_plan = plan(calendar, code="bench-plan")
        rows = []
        for i in range(contracts):
            customer = create_customer(name=f"Customer {i:03d}", code=f"c{i:03d}", timezone=ZONE)
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


def portal_contacts(fix: dict[str, Any]) -> list[Any]:
    """One contact with a portal login per customer (``contact-000``...; one password hash,
    computed once). Returns the users in the order of ``fix["contracts"]``."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password

    from servicepact.customers.models import Customer
    from servicepact.customers.services import create_contact

    user_model = get_user_model()
    hashed = make_password(PORTAL_PASSWORD)
    users = []
    for i, (_, _, customer_id) in enumerate(fix["contracts"]):
        user = user_model.objects.create(
            username=f"contact-{i:03d}", email=f"contact-{i:03d}@example.com", password=hashed
        )
        create_contact(
            customer=Customer.objects.get(pk=customer_id),
            name=f"Contact {i:03d}",
            email=user.email,
            user=user,
        )
        users.append(user)
    return users


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
    open_now = rng.random(n) < OPEN_SHARE
    return {
        "opened": opened, "priority": priority, "ack": ack, "onsite": onsite,
        "paused": paused, "pause_start": pause_start, "pause_end": pause_end,
        "resolved": np.where(open_now, -1, resolved),
        "restored": np.where(open_now & (restored == resolved), -1, restored),
    }  # fmt: skip


# ---------------------------------------------------------------- bulk insert


def _text(seconds: np.ndarray) -> np.ndarray:
    """Epoch seconds -> 'YYYY-MM-DD HH:MM:SS' (UTC): Django's SQLite datetime text; PostgreSQL
    gets '+00' appended by ``Table``."""
    return np.char.replace(
        np.datetime_as_string(seconds.astype("datetime64[s]"), unit="s"), "T", " "
    )


def _optional(seconds: np.ndarray, present: np.ndarray) -> list[str | None]:
    """Datetime text where ``present``, else NULL."""
    text = _text(np.where(present, seconds, 0)).tolist()
    return [s if p else None for s, p in zip(text, present.tolist(), strict=True)]


class Table:
    """Bulk rows of a model given some columns; every other column takes its default.

    SQLite: one ``executemany`` INSERT. PostgreSQL: ``COPY ... FROM STDIN`` with psycopg 3's
    ``cursor.copy`` (datetime text gets an explicit UTC offset). ``with_id`` inserts the
    primary key too (the caller then resets the sequence: ``reset_sequences``).
    """

    def __init__(self, model: Any, *, with_id: bool = False) -> None:
        from django.db.models import NOT_PROVIDED, DateTimeField

        self.model = model
        self.fields = [f for f in model._meta.concrete_fields if with_id or not f.primary_key]
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
        self.datetimes = {f.attname for f in self.fields if isinstance(f, DateTimeField)}

    def _values(self, columns: dict[str, Any], n: int, pg: bool) -> list[list[Any]]:
        values = []
        for f in self.fields:
            given = columns.get(f.attname)
            if given is None:
                value = self.defaults.get(f.attname)
                if isinstance(value, dict | list):
                    value = json.dumps(value)
                elif isinstance(value, bool):
                    value = int(value)
                elif isinstance(value, datetime):
                    value = value.isoformat() if pg else value.strftime("%Y-%m-%d %H:%M:%S")
                values.append([value] * n)
                continue
            if isinstance(given, np.ndarray):
                given = given.tolist()
            elif not isinstance(given, list):
                given = [given] * n
            if pg and f.attname in self.datetimes:
                given = [None if v is None else f"{v}+00" for v in given]
            values.append(given)
        return values

    def insert(self, cursor: Any, columns: dict[str, Any], n: int) -> None:
        pg = postgres()
        values = self._values(columns, n, pg)
        table = self.model._meta.db_table
        names = ", ".join(f'"{c}"' for c in self.columns)
        if pg:
            with cursor.copy(f'COPY "{table}" ({names}) FROM STDIN') as copy:
                for row in zip(*values, strict=True):
                    copy.write_row(row)
            return
        sql = f'INSERT INTO "{table}" ({names}) VALUES ({", ".join(["%s"] * len(self.columns))})'
        cursor.executemany(sql, list(zip(*values, strict=True)))


def reset_sequences(*models: Any) -> None:
    """After rows were loaded with explicit ids: the next id follows the largest (PostgreSQL)."""
    from django.core.management.color import no_style
    from django.db import connection

    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), list(models)):
            cursor.execute(sql)


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
        resolved = t["resolved"]
        done = resolved >= 0
        cursor.execute('SELECT COALESCE(MAX(id), 0) FROM "tickets_ticket"')
        ids_before = cursor.fetchone()[0]
        ticket_id = np.arange(ids_before + 1, ids_before + n + 1, dtype=np.int64)
        # Clocks first: the snapshot refresh_clocks would store, computed with the bulk engine
        # (the ticket row carries the earliest deadline of its running clocks).
        p1 = t["priority"] == 1
        restores = (
            (t["priority"] <= 2)
            & (t["restored"] >= 0)
            & (t["restored"] < np.where(done, resolved, 2**62))
        )
        next_deadline = np.full(n, 2**62, dtype=np.int64)
        clock_rows = []
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
            idx = np.flatnonzero(has)
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
            running = ~stopped
            np.minimum.at(next_deadline, idx[running], deadline[running])
            state = np.where(elapsed > target, "breached", np.where(stopped, "met", "running"))
            clock_rows.append(
                (metric, idx, target, start, stop_i, stopped, state, elapsed, deadline)
            )
        has_deadline = next_deadline < 2**62
        Table(Ticket, with_id=True).insert(
            cursor,
            {
                "id": ticket_id,
                "number": [f"B{first_number + i:08d}" for i in range(n)],
                "customer_id": contract_rows[:, 2],
                "contract_id": contract_rows[:, 0],
                "contract_version_id": contract_rows[:, 1],
                "priority": t["priority"],
                "priority_name": [f"P{p}" for p in t["priority"].tolist()],
                "subject": [f"Bench ticket {first_number + i}" for i in range(n)],
                "status": np.where(done, "resolved", "in_progress"),
                "coverage": ["active"] * n,
                "coverage_explanation": ["bench"] * n,
                "timezone": [ZONE] * n,
                "opened_at": _text(t["opened"]),
                "acknowledged_at": _text(t["ack"]),
                "resolved_at": _optional(resolved, done),
                "next_deadline_at": _optional(next_deadline, has_deadline),
                "created_at": _text(t["opened"]),
                "updated_at": _text(t["opened"]),
            },
            n,
        )
        # Events: opened, acknowledged, on site (P1), paused/resumed (10 %), resolved (95 %).
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
        evaluated = _text(np.array([now_s]))[0]
        for metric, idx, target, start, stop_i, stopped, state, elapsed, deadline in clock_rows:
            m = idx.size
            Table(SlaClock).insert(
                cursor,
                {
                    "ticket_id": ticket_id[idx],
                    "metric": [metric] * m,
                    "priority": t["priority"][idx],
                    "target_seconds": target,
                    "target_source": ["plan Bench Plan"] * m,
                    "calendar_id": [fix["calendar"].pk] * m,
                    "calendar_revision": [fix["calendar"].revision] * m,
                    "timezone": [ZONE] * m,
                    "state": state,
                    "started_at": _text(start),
                    "stopped_at": _optional(stop_i, stopped),
                    "deadline_at": _text(deadline),
                    "breached_at": _optional(deadline, elapsed >= target),
                    "elapsed_seconds": elapsed,
                    "remaining_seconds": np.maximum(0, target - elapsed),
                    "breached_by_seconds": np.maximum(0, elapsed - target),
                    "evaluated_at": [evaluated] * m,
                    "breach_recorded": (elapsed > target).astype(int),
                },
                m,
            )


def populate(
    total: int, fix: dict[str, Any], now_s: int, *, contract_tickets: int = CONTRACT_TICKETS
) -> float:
    """``contract_tickets`` on the first contract, the rest spread over the others."""
    from servicepact.tickets.models import Ticket

    rng = np.random.default_rng(SEED)
    contracts = np.array(fix["contracts"], dtype=np.int64)
    began = time.perf_counter()
    done = 0
    while done < total:
        n = min(CHUNK, total - done)
        t = month_of_tickets(n, rng, fix["compiled"])
        owner = np.where(
            np.arange(done, done + n) < contract_tickets,
            0,
            rng.integers(1, len(contracts), n),
        )
        insert_tickets(done, t, contracts[owner], fix, now_s)
        done += n
        print(f"  inserted {done:,} tickets", file=sys.stderr, flush=True)
    reset_sequences(Ticket)
    if postgres():
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")  # fresh statistics, as autovacuum would have by now
    return time.perf_counter() - began
