"""Benchmark of the month-end charges: 1,000 contracts with 1M work logs in June 2025.

Data: the bench catalogue (bench/_scale_data.py: one NY business-hours plan, 1,000 contracts
at 3000 USD with 10 included hours), 10 tickets per contract on average, 1,000 work logs per contract on average
on random tickets (15-240 minutes, remote/on site/travel, a third out of hours, 10 % not billable, 20 % in
a billable-extra category), a rate card on every contract; in a throwaway SQLite file under
var/bench/.

Timed in the same run, on the same data:
* ours: ``billing.charges.close_charges`` for all contracts (the month sums kept by every
  work-log write, ``billing.worksums``: ~12 rows per contract, the logs are not read; bulk
  inserts of ledger entries, charges and lines);
* a per-contract ORM loop: for each contract its rate card, its work logs as model objects
  summed in Python, its ledger entries and credit, the same pure rules
  (``billing.charge_rules`` via ``close_one``), then one INSERT per ledger entry, charge and
  line. It runs first inside a transaction that is rolled back; its totals are compared
  with ours contract by contract.

    .venv/bin/python bench/charges.py [--contracts N] [--logs-per-contract N] [--postgres]
        [--keep | --reuse] [--profile]

``--keep`` leaves the data (its close undone) for a later ``--reuse`` run, which skips the
build; ``--profile`` prints the cProfile of our close (cumulative) to stderr.

``--postgres``: in a throwaway PostgreSQL database (``--db-name``, default
``sp_chargesbench_bench``) next to
``DATABASE_URL`` (default postgres://postgres@127.0.0.1:5432/), created and dropped here.

RESULT database=... contracts=... work_logs=... ours_s=... orm_loop_s=... speedup=... ours_cpu_s=...
    orm_loop_cpu_s=... mismatches=...  (CPU: this process only, not the database server)
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import sys
import time
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))


DB_NAME = "sp_chargesbench_bench"


class Rollback(Exception):
    pass


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "servicepact.settings"
    os.environ.setdefault("SERVICEPACT_INSECURE_DEV_KEY", "1")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    from django.db import connection

    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA cache_size=-262144")  # as bench/statement.py


def sqlite_url(path: Path) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return f"sqlite:///{path}"


def insert_logs(cursor: Any, rows: list[tuple[Any, ...]]) -> None:
    columns = (
        "ticket_id, user_id, minutes, date, work_type, billable, note, created_at, category,"
        " out_of_hours_minutes"
    )
    from django.db import connection

    if connection.vendor == "postgresql":
        with cursor.cursor.copy(f"COPY billing_worklog ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row((*row[:6], "", *row[6:]))
        return
    cursor.executemany(
        f"INSERT INTO billing_worklog ({columns}) VALUES (%s, %s, %s, %s, %s, %s, '', %s, %s, %s)",
        rows,
    )


def build(contracts: int, per_contract: int) -> None:
    from _scale_data import catalogue, populate
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction

    from servicepact.billing.models import Rate, RateCard
    from servicepact.contracts.models import Contract

    fix = catalogue(contracts)
    Contract.objects.update(included_hours=Decimal(10))
    agent = get_user_model().objects.create_user(username="bench-agent", is_staff=True)
    with transaction.atomic():
        cards = RateCard.objects.bulk_create(
            RateCard(
                contract_version_id=v, rollover_periods=1, out_of_hours_multiplier=Decimal("1.5")
            )
            for _c, v, _cu in fix["contracts"]
        )
        Rate.objects.bulk_create(
            Rate(rate_card=card, work_type=t, hourly_rate=Decimal(p))
            for card in cards
            for t, p in (("remote", "100"), ("on_site", "150"), ("travel", "60"))
        )
    rng = np.random.default_rng(7)
    now = datetime(2025, 7, 1, 12, tzinfo=UTC).isoformat(sep=" ")
    populate(
        contracts * 10, fix, int(datetime(2025, 7, 1, tzinfo=UTC).timestamp()), contract_tickets=10
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT id FROM tickets_ticket ORDER BY id")
        ticket_ids = np.array([row[0] for row in cursor.fetchall()], dtype=np.int64)
        total = contracts * per_contract
        owner = rng.integers(0, len(ticket_ids), total)
        minutes = rng.integers(15, 241, total)
        days = rng.integers(1, 31, total)
        ooh = np.where(rng.random(total) < 0.33, minutes // 2, 0)
        kinds = np.array(["remote", "on_site", "travel"])[rng.integers(0, 3, total)]
        billable = rng.random(total) >= 0.1
        category = np.where(rng.random(total) < 0.2, "app-dev", "")
        chunk = 100_000
        for start in range(0, total, chunk):
            end = min(total, start + chunk)
            insert_logs(
                cursor,
                [
                    (
                        int(ticket_ids[owner[i]]),
                        agent.pk,
                        int(minutes[i]),
                        date(2025, 6, int(days[i])).isoformat(),
                        str(kinds[i]),
                        bool(billable[i]),
                        now,
                        str(category[i]),
                        int(ooh[i]),
                    )
                    for i in range(start, end)
                ],
            )
            print(f"  inserted {end:,} work logs", file=sys.stderr, flush=True)
    # The month sums the work-log services keep with each write (billing.worksums): the
    # logs above were inserted in bulk, so they are summed once here, as the services would
    # have summed them one by one.
    from servicepact.billing.periods import Period
    from servicepact.billing.worksums import rebuild

    rows = rebuild(Period(2025, 6))
    print(f"  {rows:,} month-sum rows", file=sys.stderr, flush=True)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # fresh statistics, as autovacuum would have by now
    # app-dev is billable extra work on every card
    from servicepact.billing.models import ScopeItem

    ScopeItem.objects.bulk_create(
        ScopeItem(rate_card=card, category="app-dev", label="App dev", coverage="billable")
        for card in cards
    )


def orm_loop(contracts: list[Any], period: Any, now: datetime) -> dict[int, Decimal]:
    """The per-contract loop: model objects, Python sums, one INSERT per row."""
    from servicepact.billing.charges import ContractWork, Credit, close_one
    from servicepact.billing.models import (
        ChargeLine,
        HoursEntry,
        PeriodCharge,
        PeriodCredit,
        WorkLog,
    )
    from servicepact.billing.rates import rate_terms_for_period

    totals: dict[int, Decimal] = {}
    for contract in contracts:
        terms = rate_terms_for_period(contract, period)
        work = ContractWork()
        for log in WorkLog.objects.filter(
            ticket__contract=contract, date__gte=period.first_day, date__lte=period.last_day
        ):
            if not log.billable:
                work.non_billable_minutes += log.minutes
            else:
                work.add(
                    terms.coverage(log.category),
                    log.work_type,
                    log.role,
                    log.minutes,
                    log.out_of_hours_minutes,
                )
        entries = [
            (e.kind, e.hours, e.expires_period)
            for e in HoursEntry.objects.filter(contract=contract, period=str(period))
        ]
        credit_row = PeriodCredit.objects.filter(contract=contract, period=str(period)).first()
        credit = (
            None
            if credit_row is None
            else Credit(credit_row.currency, credit_row.amount_due, credit_row.status)
        )
        closed = close_one(contract, period, terms=terms, work=work, entries=entries, credit=credit)
        for e in closed.entries:
            HoursEntry.objects.create(
                contract=contract,
                period=e.period,
                kind=e.kind,
                hours=e.hours,
                expires_period=e.expires,
                at=now,
            )
        total = sum((line.amount for line in closed.lines), Decimal(0))
        charge = PeriodCharge.objects.create(
            contract=contract,
            period=str(period),
            currency=closed.currency,
            total=total,
            hours=closed.hours,
            computed_at=now,
        )
        for n, line in enumerate(closed.lines, start=1):
            ChargeLine.objects.create(
                charge=charge,
                position=n,
                kind=line.kind,
                description=line.description,
                quantity=line.quantity.quantize(Decimal("0.0001")),
                unit_price=line.unit_price,
                amount=line.amount,
            )
        totals[contract.pk] = total
    return totals


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--contracts", type=int, default=1_000)
    parser.add_argument("--logs-per-contract", type=int, default=1_000)
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--db-name", default=DB_NAME, help="the throwaway PostgreSQL database")
    parser.add_argument(
        "--keep",
        action="store_true",
        help="keep the database (the period's charges removed) for --reuse",
    )
    parser.add_argument("--reuse", action="store_true", help="reuse the data a --keep run left")
    parser.add_argument(
        "--profile", action="store_true", help="cProfile our close; top functions to stderr"
    )
    parser.add_argument(
        "--trace", action="store_true", help="print each statement of our close and its time"
    )
    parser.add_argument(
        "--ours-only", action="store_true", help="skip the ORM loop (profiling; no ratio)"
    )
    args = parser.parse_args()
    keep = args.keep or args.reuse
    if not args.postgres:
        path = ROOT / "var" / "bench" / "charges.sqlite3"
        try:
            run(args, f"sqlite:///{path}" if args.reuse else sqlite_url(path))
        finally:
            if keep:
                forget_close()
        return
    from scale_pages import create_db, drop_db, with_db

    base = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    url = with_db(base, args.db_name) if args.reuse else create_db(base, args.db_name)
    try:
        run(args, url)
    finally:
        from django.db import connections

        if keep:
            forget_close()
        connections.close_all()
        if not keep:
            drop_db(base, args.db_name)


def forget_close() -> None:
    """Removes what the close wrote (the data has no other charges, entries or lines)."""
    from django.db import connection

    with connection.cursor() as cursor:
        for table in ("billing_chargeline", "billing_periodcharge", "billing_hoursentry"):
            cursor.execute(f"DELETE FROM {table}")


def run(args: argparse.Namespace, url: str) -> None:
    setup_django(url)
    if not args.reuse:
        began = time.perf_counter()
        build(args.contracts, args.logs_per_contract)
        print(f"data built in {time.perf_counter() - began:.1f}s", file=sys.stderr)

    from django.db import transaction

    from servicepact.billing.charges import close_charges
    from servicepact.billing.models import PeriodCharge
    from servicepact.billing.periods import Period
    from servicepact.contracts.models import Contract

    june = Period(2025, 6)
    now = datetime(2025, 7, 1, 12, tzinfo=UTC)
    contracts = list(Contract.objects.select_related("customer").order_by("pk"))
    baseline: dict[int, Decimal] = {}
    started = time.perf_counter()
    cpu = time.process_time()
    try:
        with transaction.atomic():
            if not args.ours_only:
                baseline = orm_loop(contracts, june, now)
            raise Rollback
    except Rollback:
        pass
    orm_s = time.perf_counter() - started
    orm_cpu = time.process_time() - cpu
    assert not PeriodCharge.objects.exists()

    profiler = cProfile.Profile() if args.profile else None
    started = time.perf_counter()
    cpu = time.process_time()
    if profiler is not None:
        profiler.enable()
    from django.db import connection

    traced: list[tuple[float, str]] = []

    def timer(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        began = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            traced.append((time.perf_counter() - began, sql[:90]))

    if args.trace:
        from servicepact.billing import charges as charges_module

        def timed(name: str, function: Any) -> Any:
            def wrapper(*a: Any, **k: Any) -> Any:
                began = time.perf_counter()
                try:
                    return function(*a, **k)
                finally:
                    traced.append((time.perf_counter() - began, name))

            return wrapper

        insert, commit = charges_module.insert_rows, connection.commit
        charges_module.insert_rows = timed("COPY / executemany (insert_rows)", insert)
        connection.commit = timed("COMMIT", commit)  # type: ignore[method-assign]
        try:
            with connection.execute_wrapper(timer):
                charges = close_charges(contracts, june, now=now)
        finally:
            charges_module.insert_rows = insert
            connection.commit = commit  # type: ignore[method-assign]
    else:
        charges = close_charges(contracts, june, now=now)
    if profiler is not None:
        profiler.disable()
    ours_s = time.perf_counter() - started
    ours_cpu = time.process_time() - cpu
    if profiler is not None:
        pstats.Stats(profiler, stream=sys.stderr).sort_stats("cumulative").print_stats(30)
    for seconds, sql in traced:
        print(f"  {seconds * 1000:8.1f} ms  {sql}", file=sys.stderr)
    ours = {c.contract_id: c.total for c in charges}
    mismatches = sum(1 for k, v in baseline.items() if ours.get(k) != v)
    work_logs = args.contracts * args.logs_per_contract
    print(
        f"ours: {ours_s:.2f}s (CPU of this process {ours_cpu:.2f}s)  per-contract ORM loop:"
        f" {orm_s:.2f}s (CPU {orm_cpu:.2f}s)  ({orm_s / ours_s:.1f}x)"
    )
    from django.db import connection

    print(
        f"RESULT database={connection.vendor} contracts={len(contracts)} work_logs={work_logs} ours_s={ours_s:.3f} "
        f"orm_loop_s={orm_s:.3f} speedup={orm_s / ours_s:.1f} ours_cpu_s={ours_cpu:.3f} "
        f"orm_loop_cpu_s={orm_cpu:.3f} mismatches={mismatches}"
    )


if __name__ == "__main__":
    main()
