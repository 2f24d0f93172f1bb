"""Benchmark of alert ingestion: the inbox endpoint and the batched worker, each against raw
INSERT of what it writes.

Workload (deterministic): one customer with a 24x7 contract covering 50 assets (20 with
--quick) per round and a customer-scoped Alertmanager source. Alerts are posted as
Alertmanager v4 webhook deliveries of 10 alerts each with Django's test client (the
production middleware stack, in which ``monitoring.intake.AlertIntakeMiddleware`` queues a
plain delivery after the request-id, metrics and security middleware; token auth, parser,
validation) to ``POST /api/v1/alerts/alertmanager``,
with production's ``ALERT_INLINE_MAX`` = 0: every delivery is appended to the inbox (one
INSERT) and answered 202. After each phase the worker step (``drain_inbox``: set-based
batches, monitoring/batch.py) stores what arrived (matching, dedup, tickets, outages):

* firing: every alert once; 90 % name an asset by ``instance`` (host:port), 10 % match
  nothing (kept for triage). The first alert of an asset opens its incident (coverage,
  clocks); the others join it (a public comment each) and every matched one opens an outage;
* repeat: the same firing deliveries again (deduplication: no state change);
* resolved: every alert resolves (outage closed, a comment on the ticket).

Storm (after the rounds): ONE Alertmanager delivery of 10,000 firing alerts (fresh fingerprints,
on ``assets`` fresh assets, 10 % unmatched). Over ``ALERT_INLINE_MAX`` alerts, so it is
accepted with a 202 and queued (monitoring/inbox.py): ``storm_accept_s`` is the request's
seconds (what a sender and gunicorn's timeout see), ``storm_store_s`` the seconds the worker
step (``drain_inbox``) takes to store all of it, chunk by chunk.

Two comparisons per round, for the three phases together:

* the endpoint (``accept``): seconds of the posts, against raw INSERT of the same inbox rows,
  one INSERT and one commit per delivery (a receiver must have a delivery committed before
  it answers): ``accept_ratio`` = raw seconds / endpoint seconds;
* the worker (``ratio``, the key kept from before the inbox): seconds of the drains, against
  the rows they wrote (alerts, transitions, outages, tickets, ticket events, comments,
  clocks, and whatever else appeared) inserted again as they are (fresh primary keys, unique
  columns made distinct) with multi-row INSERT statements in one transaction: the floor of
  "storing what arrived". ``raw_alerts_per_s`` = alerts received / seconds of that insert;
  ``ratio`` = worker alerts/s / raw alerts/s (= raw seconds / worker seconds).

Runs on a throwaway SQLite file under var/bench/, and also on PostgreSQL when DATABASE_URL is
set (a throwaway database on that server, dropped after).

    .venv/bin/python bench/alert_ingest.py [--quick]

The last line is machine-readable:
RESULT sqlite_alerts_per_s=... sqlite_raw_alerts_per_s=... sqlite_ratio=...
       sqlite_accept_per_s=... sqlite_accept_ratio=...
       sqlite_storm_accept_s=... sqlite_storm_store_s=... [postgres_...]
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

SETUP_AT = datetime(2025, 6, 2, 8, tzinfo=UTC)
FIRING_FROM = datetime(2025, 6, 2, 9, tzinfo=UTC)
GROUP = 10
OFFSET = 100_000_000  # primary keys of the raw copies start above every real one
STORM = 10_000


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "servicepact.settings"
    os.environ.setdefault("SERVICEPACT_INSECURE_DEV_KEY", "1")  # no DEBUG, no real key needed
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    # Persistent connections, as a production deployment runs (0 reconnects per request).
    os.environ.setdefault("CONN_MAX_AGE", "60")
    import django

    django.setup()


# ---------------------------------------------------------------- child: one database


def build(assets: int) -> str:
    """Customer, 24x7 plan and contract, ``assets`` assets on it (node-0000...), the source;
    returns the source's token."""
    from servicepact.assets.models import Asset, ContractLine
    from servicepact.contracts.services import create_calendar, create_contract, create_plan
    from servicepact.customers.models import Customer, Site
    from servicepact.monitoring.services import create_alert_source

    calendar = create_calendar(name="24x7", timezone="UTC", weekly="24x7")
    plan = create_plan(
        name="Bench",
        code="bench",
        calendar=calendar,
        targets=[
            {"priority": p, "metric": m, "target_minutes": t}
            for p in (1, 2, 3, 4)
            for m, t in (("first_response", 30 * p), ("resolution", 240 * p))
        ],
    )
    customer = Customer.objects.create(name="Bench", code="bench", timezone="Europe/Paris")
    site = Site.objects.create(customer=customer, name="DC1", timezone="Europe/Paris")
    contract = create_contract(
        number="B-1",
        customer=customer,
        plan=plan,
        start_date=date(2025, 1, 1),
        end_date=date(2026, 12, 31),
    )
    for i in range(assets):
        asset = Asset.objects.create(customer=customer, site=site, hostname=f"node-{i:04d}")
        ContractLine.objects.create(contract=contract, asset=asset, start_date=date(2025, 1, 1))
    _, token = create_alert_source(name="prom", kind="alertmanager", customer=customer)
    return token


def stamp(at: datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def payloads(
    alerts: int,
    assets: int,
    status: str,
    round_: int,
    warmup: bool = False,
    group: int = GROUP,
) -> list[bytes]:
    """Deliveries of GROUP alerts. Round r uses its own assets (node-<r*assets+k>) and
    fingerprints, so every round is the same work on a fresh part of the data. The warm-up
    uses asset node-<r*assets> only and matches every alert."""
    bodies = []
    base = (round_ + 1) * 10**6 + (5 * 10**5 if warmup else 0)
    for first in range(0, alerts, group):
        alerts_of_group = []
        for i in range(first, min(first + group, alerts)):
            node = round_ * assets + (0 if warmup else i % assets)
            host = f"node-{node:04d}" if i % 10 or warmup else f"unknown-{base + i}"
            starts = FIRING_FROM + timedelta(seconds=i)
            alerts_of_group.append(
                {
                    "status": status,
                    "labels": {
                        "alertname": ("InstanceDown", "HighLoad", "DiskFull")[i % 3],
                        "instance": f"{host}:9100",
                        "job": "node",
                        "severity": ("critical", "warning", "warning")[i % 3],
                    },
                    "annotations": {"summary": f"{host} alert {i}"},
                    "startsAt": stamp(starts),
                    "endsAt": stamp(starts + timedelta(minutes=45))
                    if status == "resolved"
                    else "0001-01-01T00:00:00Z",
                    "generatorURL": "http://prometheus.bench:9090/graph?g0.expr=up",
                    "fingerprint": f"{base + i:016x}",
                }
            )
        body = {
            "receiver": "servicepact",
            "status": status,
            "alerts": alerts_of_group,
            "groupLabels": {"job": "node"},
            "commonLabels": {"job": "node"},
            "commonAnnotations": {},
            "externalURL": "http://alertmanager.bench:9093",
            "version": "4",
            "groupKey": '{}:{job="node"}',
            "truncatedAlerts": 0,
        }
        bodies.append(json.dumps(body).encode())
    return bodies


def endpoint_url() -> tuple[str, str | None]:
    """The real root API if the lead mounted the router there, else the test mount."""
    from django.urls import Resolver404, resolve

    try:
        resolve("/api/v1/alerts/alertmanager")
        return "root", None
    except Resolver404:
        return "private", "servicepact.monitoring.tests.urls"


def post_all(client: Any, token: str, bodies: list[bytes], expect: int = 200) -> None:
    for body in bodies:
        response = client.post(
            "/api/v1/alerts/alertmanager",
            data=body,
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {token}",
        )
        if response.status_code != expect:
            raise SystemExit(f"endpoint answered {response.status_code}: {response.content!r}")


def max_ids() -> dict[Any, int]:
    from django.apps import apps

    return {
        model: model.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        for model in apps.get_models()
        if model._meta.managed and not model._meta.proxy
    }


def written_rows(before: dict[Any, int]) -> dict[Any, list[list[Any]]]:
    """Per model, the rows with a primary key above ``before``: what the run inserted."""
    rows = {}
    for model, last in before.items():
        fields = [f.attname for f in model._meta.concrete_fields]
        found = [list(r) for r in model.objects.filter(pk__gt=last).values_list(*fields)]
        if found:
            rows[model] = found
    return rows


def raw_insert(rows: dict[Any, list[list[Any]]]) -> float:
    """Inserts copies of the rows (pk + OFFSET, foreign keys among them too) with multi-row
    INSERT statements, one transaction; returns the seconds taken."""
    from django.db import connection, transaction

    copied = set(rows)
    statements = []
    for model, data in rows.items():
        fields = model._meta.concrete_fields
        columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
        table = connection.ops.quote_name(model._meta.db_table)
        values = [
            [
                field.get_db_prep_save(_copy(field, value, copied), connection)
                for field, value in zip(fields, row, strict=True)
            ]
            for row in data
        ]
        limit = connection.features.max_query_params or 65_535
        batch = max(1, min(1_000, limit // len(fields)))
        one = "(" + ", ".join(["%s"] * len(fields)) + ")"
        for first in range(0, len(values), batch):
            chunk = values[first : first + batch]
            sql = f"INSERT INTO {table} ({columns}) VALUES " + ", ".join([one] * len(chunk))
            statements.append((sql, [v for row in chunk for v in row]))
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        for sql, params in statements:
            cursor.execute(sql, params)
    seconds = time.perf_counter() - started
    _drop_copies(list(rows))
    return seconds


def _drop_copies(models: list[Any]) -> None:
    """Removes the copies so the next round starts from the same state (SQLite: and puts
    AUTOINCREMENT back below OFFSET)."""
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        for model in models:  # foreign keys are deferred to the commit
            table = connection.ops.quote_name(model._meta.db_table)
            pk = connection.ops.quote_name(model._meta.pk.column)
            cursor.execute(f"DELETE FROM {table} WHERE {pk} >= %s", [OFFSET])
            if connection.vendor == "sqlite":
                cursor.execute(
                    f"UPDATE sqlite_sequence SET seq = (SELECT MAX({pk}) FROM {table}) "
                    "WHERE name = %s",
                    [model._meta.db_table],
                )


def _copy(field: Any, value: Any, copied: set[Any]) -> Any:
    """A column value for the copy: keys shifted, unique text made distinct."""
    if value is None:
        return value
    if field.primary_key or (field.is_relation and field.related_model in copied):
        return value + OFFSET
    if (field.unique and not field.is_relation) or field.name == "fingerprint":
        return f"{value}~"  # ticket number; (source, fingerprint)
    return value


def drain_all() -> None:
    from servicepact.monitoring.services import drain_inbox

    while drain_inbox(limit=1_000):
        pass


def raw_accept(rows: list[list[Any]], model: Any) -> float:
    """Inserts copies of the inbox rows, one INSERT and one commit each (a statement in
    autocommit: the fewest round trips, as the endpoint's own INSERT); returns the seconds."""
    from django.db import connection

    fields = model._meta.concrete_fields
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    table = connection.ops.quote_name(model._meta.db_table)
    sql = f"INSERT INTO {table} ({columns}) VALUES (" + ", ".join(["%s"] * len(fields)) + ")"
    values = [
        [
            f.get_db_prep_save(_copy(f, v, {model}), connection)
            for f, v in zip(fields, row, strict=True)
        ]
        for row in rows
    ]
    started = time.perf_counter()
    with connection.cursor() as cursor:
        for params in values:
            cursor.execute(sql, params)  # autocommit: the INSERT commits by itself
    seconds = time.perf_counter() - started
    _drop_copies([model])
    return seconds


def measure(alerts: int, assets: int, rounds: int) -> dict[str, Any]:
    import time_machine
    from django.conf import settings
    from django.core.management import call_command
    from django.test import Client, override_settings

    from servicepact.monitoring.models import QueuedAlerts

    call_command("migrate", verbosity=0)
    with time_machine.travel(SETUP_AT, tick=False):
        token = build(assets * (rounds + 2) + 1)  # rounds, warm-up, storm
    where, urlconf = endpoint_url()
    client = Client()
    results = []
    inbox_only = {**settings.SERVICEPACT, "ALERT_INLINE_MAX": 0}  # production's default
    # Frozen clock: every delivery happens "now", after the firing times it reports.
    with (
        override_settings(SERVICEPACT=inbox_only, **({"ROOT_URLCONF": urlconf} if urlconf else {})),
        time_machine.travel(FIRING_FROM + timedelta(hours=2), tick=False),
    ):
        warm = payloads(GROUP, 1, "firing", assets * rounds, warmup=True)
        post_all(client, token, warm, expect=202)  # imports, caches, first-request costs
        drain_all()
        for round_ in range(rounds):
            firing = payloads(alerts, assets, "firing", round_)
            resolved = payloads(alerts, assets, "resolved", round_)
            before = max_ids()
            accept = work = 0.0
            for bodies in (firing, firing, resolved):
                started = time.perf_counter()
                post_all(client, token, bodies, expect=202)
                posted = time.perf_counter()
                drain_all()
                accept += posted - started
                work += time.perf_counter() - posted
            rows = written_rows(before)
            inbox_rows = rows.pop(QueuedAlerts)
            results.append(
                (accept, raw_accept(inbox_rows, QueuedAlerts), work, raw_insert(rows), rows)
            )
        storm_accept, storm_store = storm(client, token, assets, rounds + 1)
    received = 3 * alerts
    accept = min(r[0] for r in results)
    raw_accept_s = min(r[1] for r in results)
    seconds = min(r[2] for r in results)
    raw_seconds = min(r[3] for r in results)
    rows = results[0][4]
    counts = {
        m._meta.label: len(r) for m, r in sorted(rows.items(), key=lambda i: i[0]._meta.label)
    }
    total = sum(counts.values())
    return {
        "endpoint": where,
        "alerts": received,
        "deliveries": 3 * len(payloads(alerts, assets, "firing", 0)),
        "accept_rounds": [round(r[0], 3) for r in results],
        "raw_accept_rounds": [round(r[1], 3) for r in results],
        "accept_seconds": accept,
        "raw_accept_seconds": raw_accept_s,
        "rounds": [round(r[2], 3) for r in results],
        "raw_rounds": [round(r[3], 4) for r in results],
        "seconds": seconds,
        "alerts_per_s": received / seconds,
        "accept_per_s": received / accept,
        "rows": counts,
        "rows_total": total,
        "raw_seconds": raw_seconds,
        "raw_rows_per_s": total / raw_seconds,
        "raw_alerts_per_s": received / raw_seconds,
        "storm_accept_s": storm_accept,
        "storm_store_s": storm_store,
    }


def storm(client: Any, token: str, assets: int, round_: int) -> tuple[float, float]:
    """One delivery of STORM alerts: seconds to accept it (202), seconds to store it."""
    from servicepact.monitoring.models import Alert

    (body,) = payloads(STORM, assets, "firing", round_, group=STORM)
    before = Alert.objects.count()
    started = time.perf_counter()
    post_all(client, token, [body], expect=202)
    accepted = time.perf_counter() - started
    started = time.perf_counter()
    drain_all()
    stored = time.perf_counter() - started
    if Alert.objects.count() - before != STORM:
        raise SystemExit("the storm was not stored whole")
    return accepted, stored


def child(backend: str, alerts: int, assets: int, rounds: int, out: Path) -> int:
    if backend == "sqlite":
        path = ROOT / "var" / "bench" / "alert_ingest.sqlite3"
        path.parent.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        setup_django(f"sqlite:///{path}")
        try:
            results = measure(alerts, assets, rounds)
        finally:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
    else:
        results = on_throwaway_postgres(alerts, assets, rounds)
    out.write_text(json.dumps(results))
    return 0


def on_throwaway_postgres(alerts: int, assets: int, rounds: int) -> dict[str, Any]:
    import dj_database_url
    import psycopg

    server = dj_database_url.parse(os.environ["DATABASE_URL"])
    # Named after the configured database (sp_<name> -> sp_<name>_bench_alerts_<pid>).
    name = f"{server['NAME']}_bench_alerts_{os.getpid()}"
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
            return measure(alerts, assets, rounds)
        finally:
            connections.close_all()
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.close()


# ---------------------------------------------------------------- parent


def run_backend(backend: str, alerts: int, assets: int, rounds: int) -> dict[str, Any]:
    out = ROOT / "var" / "bench" / f"alert_ingest_{backend}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    args = [sys.executable, __file__, "--child", backend, "--alerts", str(alerts)]
    args += ["--assets", str(assets), "--rounds", str(rounds)]
    subprocess.run([*args, "--out", str(out)], check=True)
    results = json.loads(out.read_text())
    out.unlink()
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer alerts (under a minute)")
    parser.add_argument("--child", choices=["sqlite", "postgres"], help=argparse.SUPPRESS)
    parser.add_argument("--alerts", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--assets", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--rounds", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args.child, args.alerts, args.assets, args.rounds, args.out)
    # Each round's posts take ~70 ms with --quick: four rounds (the best of each side is
    # kept) so one hiccup of the machine does not decide the ratio.
    alerts, assets, rounds = (200, 20, 4) if args.quick else (1000, 50, 4)
    backends = ["sqlite"] + (["postgres"] if os.environ.get("DATABASE_URL") else [])
    fields = []
    for backend in backends:
        r = run_backend(backend, alerts, assets, rounds)
        print(
            f"{backend}: {r['alerts']} alerts per round ({alerts} firing, {alerts} repeated, "
            f"{alerts} resolved; endpoint on the {r['endpoint']} API)",
            flush=True,
        )
        ratio = r["alerts_per_s"] / r["raw_alerts_per_s"]  # = raw seconds / worker seconds
        accept_ratio = r["raw_accept_seconds"] / r["accept_seconds"]
        print(
            f"  endpoint (inbox): {r['deliveries']} deliveries in {r['accept_seconds']:.3f} s "
            f"(rounds {r['accept_rounds']}) = {r['accept_per_s']:.0f} alerts/s; raw INSERT + "
            f"commit per delivery {r['raw_accept_seconds']:.3f} s; raw / endpoint = "
            f"{accept_ratio:.4f}",
            flush=True,
        )
        print(
            f"  worker: rounds {r['rounds']} s; best {r['seconds']:.3f} s = "
            f"{r['alerts_per_s']:.0f} alerts/s",
            flush=True,
        )
        print(f"  rows the worker wrote: {r['rows_total']} {r['rows']}")
        print(
            f"  raw multi-row INSERT of the same rows: {r['raw_seconds']:.3f} s = "
            f"{r['raw_rows_per_s']:.0f} rows/s = {r['raw_alerts_per_s']:.0f} alerts/s; "
            f"worker / raw = {ratio:.4f}",
            flush=True,
        )
        print(
            f"  storm: one delivery of {STORM} alerts accepted in {r['storm_accept_s']:.2f} s "
            f"(202, queued), stored by the worker in {r['storm_store_s']:.1f} s",
            flush=True,
        )
        fields += [
            f"{backend}_alerts_per_s={r['alerts_per_s']:.0f}",
            f"{backend}_raw_alerts_per_s={r['raw_alerts_per_s']:.0f}",
            f"{backend}_ratio={ratio:.4f}",
            f"{backend}_accept_per_s={r['accept_per_s']:.0f}",
            f"{backend}_accept_ratio={accept_ratio:.4f}",
            f"{backend}_storm_accept_s={r['storm_accept_s']:.2f}",
            f"{backend}_storm_store_s={r['storm_store_s']:.1f}",
        ]
    print("RESULT " + " ".join(fields))
    return 0


if __name__ == "__main__":
    sys.exit(main())
