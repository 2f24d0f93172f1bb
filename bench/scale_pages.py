"""Pages and endpoints at 10k, 100k and 1M tickets, beside ``GET /login/``, and django-helpdesk.

    .venv/bin/python bench/scale_pages.py [--quick] [--sizes 100000,1000000 --endpoints dashboard]

Data: bench/_scale_data.py (the generator of bench/statement.py): 200 customers and contracts
made through the services, one portal contact each and one staff user; N tickets opened in
June 2025 (5 % still open), their events and clocks bulk-loaded (COPY on PostgreSQL). The
first contract (customer 000) holds N/10 tickets. Each size gets a throw-away PostgreSQL
database next to ``DATABASE_URL`` (created here, dropped at the end, also on error); the full
run adds 100k tickets on SQLite (a file under var/bench/, deleted at the end).

Measurement: in-process, Django's test client against the real URL conf and middleware (no
HTTP server), with the clock set to 2025-06-30 20:00 UTC (time-machine, ticking) so June is
the current month. Every endpoint runs in its own fresh subprocess: log in, warm up
(``/login/`` and one request of the endpoint), then ``repeats`` timed requests interleaved
with ``GET /login/`` (anonymous, three per repeat) in the same process (3 repeats when the
cold request took over 5 s); times are medians, ``x_login`` is the
endpoint's median over ``/login/``'s. Memory: after the warm-up the process's peak RSS is
reset (``/proc/self/clear_refs`` 5) and ``peak RSS growth`` = VmHWM after the timed requests
minus VmRSS before them: what one warm request adds at its peak.

Endpoints: desk queue (staff), desk queue ``?customer=`` (customer 001, ~N/4000 open), provider
dashboard, statement HTML of the big contract for 2025-06 (no stored statement: built live),
audit export of it (zip), API ticket list (``limit=50``, staff token), portal home (contact
000, the big customer).

django-helpdesk: installed by this script into a throw-away virtualenv
(``/tmp/servicepact-bench-helpdesk``, kept between runs, ``--fresh-venv`` rebuilds it; never a
project dependency) with its own Django; a driver run in that venv loads the same number of
open tickets (bulk_create) into its own throw-away PostgreSQL database and times its
open-ticket list (the ``/tickets/`` page plus the first page of its datatables JSON, which
the page loads). ``vs_helpdesk`` = its median / our queue's median. No network: ``nan``.

The last line is machine-readable:
RESULT queue_x_login=... api_list_x_login=... dashboard_x_login=... statement_x_login=...
       portal_x_login=... max_growth_100k_1m=... max_rss_growth_mb=... vs_helpdesk=... (+ more)
``max_growth_100k_1m`` is the largest growth factor of the five pages that should stay flat
(queue, API list, portal home, dashboard, statement); ``--quick`` compares 10k -> 100k there.
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import os
import shutil
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

NOW = datetime(2025, 6, 30, 20, tzinfo=UTC)
PERIOD = "2025-06"
CONTRACTS = 200
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/sp_scalebench"
SLOW_S = 5.0
HELPDESK_VENV = Path("/tmp/servicepact-bench-helpdesk")
FLAT = ("queue", "api_list", "portal", "dashboard", "statement")
ENDPOINTS = {  # name -> (label, who)
    "queue": ("desk queue", "staff"),
    "queue_customer": ("desk queue ?customer=", "staff"),
    "dashboard": ("provider dashboard", "staff"),
    "statement": ("statement HTML (big contract)", "staff"),
    "audit": ("audit export (zip)", "staff"),
    "api_list": ("API ticket list, 50 rows", "token"),
    "portal": ("portal home (contact)", "contact"),
    "desk_search": ("desk search (a rare term)", "staff"),
    "desk_search_common": ("desk search (a common term)", "staff"),
}


# ---------------------------------------------------------------- child: Django in-process


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "servicepact.settings"
    os.environ.setdefault("SERVICEPACT_INSECURE_DEV_KEY", "1")
    os.environ["LOG_LEVEL"] = "WARNING"
    # No collectstatic here: plain static storage, as the test settings use (a dict lookup less).
    os.environ["SERVICEPACT_MANIFEST_STATIC"] = "0"
    # Connections kept between requests, as docs/deployment.md runs production (``--conn-max-age``,
    # 0 = one connection per request: each request then pays the connect and a cold catalogue).
    os.environ.setdefault("CONN_MAX_AGE", "60")
    import django

    django.setup()


def child_load(url: str, tickets: int) -> dict[str, Any]:
    from _scale_data import catalogue, epoch, populate, portal_contacts
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection

    from servicepact.aftercare.csat_hours import compact as compact_csat_hours
    from servicepact.reports.jobs import AGGREGATE_LOOKBACK_DAYS, aggregate_due_days
    from servicepact.tickets.models import SlaClock, Ticket, TicketEvent

    call_command("migrate", verbosity=0)
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA cache_size=-262144")
    began = time.perf_counter()
    fix = catalogue(CONTRACTS)
    portal_contacts(fix)
    get_user_model().objects.create_user(
        username="bench-staff", password=None, is_staff=True, email="staff@example.com"
    )
    setup_s = time.perf_counter() - began
    load_s = populate(tickets, fix, epoch(NOW), contract_tickets=tickets // 10)
    # What the worker has done by then on a running install: the month's closed days frozen
    # as daily aggregates (reports.jobs), so the dashboard computes only today live.
    began = time.perf_counter()
    frozen = aggregate_due_days(NOW, limit=AGGREGATE_LOOKBACK_DAYS)
    # and the recent-CSAT counts the triggers appended during the load folded per hour.
    compact_csat_hours(NOW)
    freeze_s = time.perf_counter() - began
    return {
        "setup_s": setup_s,
        "load_s": load_s,
        "frozen_days": frozen,
        "freeze_s": freeze_s,
        "tickets": Ticket.objects.count(),
        "open": Ticket.objects.filter(resolved_at__isnull=True).count(),
        "events": TicketEvent.objects.count(),
        "clocks": SlaClock.objects.count(),
        "big_contract": fix["contracts"][0][0],
        "small_customer": fix["contracts"][1][2],
    }


def _proc_kb(key: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    raise KeyError(key)


def _reset_peak() -> bool:
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def _get(client: Any, path: str, **headers: str) -> tuple[float, int, int]:
    began = time.perf_counter()
    response = client.get(path, headers=headers)
    if getattr(response, "streaming", False):
        size = sum(len(chunk) for chunk in response.streaming_content)
    else:
        size = len(response.content)
    return time.perf_counter() - began, response.status_code, size


def child_measure(endpoint: str, repeats: int, info: dict[str, Any]) -> dict[str, Any]:
    import time_machine
    from django.contrib.auth import get_user_model
    from django.test import Client

    traveller = time_machine.travel(NOW, tick=True)
    traveller.start()
    from servicepact.accounts.services import create_api_token

    users = get_user_model().objects
    client, headers = Client(), {}
    who = ENDPOINTS[endpoint][1]
    if who == "staff":
        client.force_login(users.get(username="bench-staff"))
    elif who == "contact":
        client.force_login(users.get(username="contact-000"))
    else:
        _, raw = create_api_token(user=users.get(username="bench-staff"), name="bench")
        headers = {"Authorization": f"Bearer {raw}"}
    contract = info["big_contract"]
    path = {
        "queue": "/desk/",
        "queue_customer": f"/desk/?customer={info['small_customer']}",
        "dashboard": "/reports/dashboard/",
        "statement": f"/reports/desk/contracts/{contract}/statement/?period={PERIOD}",
        "audit": f"/reports/desk/contracts/{contract}/audit/?period={PERIOD}",
        "api_list": "/api/v1/tickets?limit=50",
        "portal": "/portal/",
        # A term that matches nothing makes the database read every candidate row; one that
        # matches every subject stops at the first page.
        "desk_search": "/desk/search/?q=no-such-words",
        "desk_search_common": "/desk/search/?q=Bench%20ticket",
    }[endpoint]
    anonymous = Client()
    for _ in range(3):
        _get(anonymous, "/login/")
    cold, status, size = _get(client, path, **headers)
    if status != 200:
        return {"error": f"GET {path} answered {status}"}
    if cold > SLOW_S:
        repeats = min(repeats, 3)  # a slow request: three timed repeats are enough for a median
    gc.collect()
    rss_before = _proc_kb("VmRSS")
    reset = _reset_peak()
    hwm_before = _proc_kb("VmHWM") if reset else None
    times, login = [], []
    for _ in range(repeats):
        seconds, status, _ = _get(client, path, **headers)
        if status != 200:
            return {"error": f"GET {path} answered {status}"}
        times.append(seconds)
        for _ in range(3):
            login.append(_get(anonymous, "/login/")[0])
    peak = _proc_kb("VmHWM") if reset else None
    if peak is None:  # no clear_refs: the process's peak so far (includes setup)
        import resource

        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    traveller.stop()
    return {
        "path": path,
        "cold_s": cold,
        "median_s": statistics.median(times),
        "login_s": statistics.median(login),
        "bytes": size,
        "repeats": repeats,
        "rss_growth_mb": (peak - rss_before) / 1024,
        "peak_reset": reset,
        "hwm_reset_to_mb": (hwm_before or 0) / 1024,
    }


def child(argv: list[str]) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--child", choices=["load", "measure"])
    parser.add_argument("--url")
    parser.add_argument("--tickets", type=int, default=0)
    parser.add_argument("--endpoint")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--info", default="{}")
    args = parser.parse_args(argv)
    setup_django(args.url)
    if args.child == "load":
        out = child_load(args.url, args.tickets)
    else:
        out = child_measure(args.endpoint, args.repeats, json.loads(args.info))
    print("CHILD " + json.dumps(out), flush=True)


# ---------------------------------------------------------------- parent: databases, runs


def run_child(*args: str, timeout: float = 7200, script: str = __file__) -> dict[str, Any]:
    """Runs ``script`` (this one, or a bench that reuses these helpers) with ``args`` and
    returns what its child printed on the ``CHILD`` line (else ``{"error": ...}``)."""
    cmd = [sys.executable, str(Path(script).resolve()), *args]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    for line in reversed(proc.stdout.splitlines()):
        if line.startswith("CHILD "):
            return json.loads(line[6:])
    tail = (proc.stderr or proc.stdout).strip().splitlines()[-15:]
    return {"error": f"exit {proc.returncode}: " + " | ".join(tail)}


def with_db(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + name))


def admin(url: str, sql: str) -> None:
    import psycopg

    with psycopg.connect(with_db(url, "postgres").replace("postgres://", "postgresql://", 1),
                         autocommit=True) as conn:  # fmt: skip
        conn.execute(sql)


def create_db(base: str, name: str) -> str:
    admin(base, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin(base, f'CREATE DATABASE "{name}"')
    return with_db(base, name)


def drop_db(base: str, name: str) -> None:
    try:
        admin(base, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    except Exception as exc:
        print(f"could not drop {name}: {exc}", file=sys.stderr)


def measure_size(
    url: str, tickets: int, label: str, repeats: int, only: list[str] | None = None
) -> dict[str, Any]:
    print(f"\n== {label}: loading {tickets:,} tickets", flush=True)
    info = run_child("--child", "load", "--url", url, "--tickets", str(tickets))
    if "error" in info:
        raise RuntimeError(f"loading {label} failed: {info['error']}")
    print(f"   {info['tickets']:,} tickets ({info['open']:,} open), {info['events']:,} events, "
          f"{info['clocks']:,} clocks; services {info['setup_s']:.1f} s, "
          f"bulk load {info['load_s']:.1f} s; {info['frozen_days']} closed days frozen "
          f"in {info['freeze_s']:.1f} s", flush=True)  # fmt: skip
    results: dict[str, Any] = {"info": info}
    for endpoint, (name, _) in ENDPOINTS.items():
        if only is not None and endpoint not in only:
            continue
        out = run_child("--child", "measure", "--url", url, "--endpoint", endpoint,
                        "--repeats", str(repeats), "--info", json.dumps(info))  # fmt: skip
        results[endpoint] = out
        if "error" in out:
            print(f"   {name:<32} ERROR {out['error']}", flush=True)
        else:
            print(f"   {name:<32} {out['median_s'] * 1000:9.1f} ms  "
                  f"(/login/ {out['login_s'] * 1000:.1f} ms, x{out['median_s'] / out['login_s']:.1f}; "
                  f"cold {out['cold_s'] * 1000:.0f} ms; {out['bytes'] / 1024:.0f} KiB; "
                  f"peak RSS +{out['rss_growth_mb']:.1f} MB)", flush=True)  # fmt: skip
    return results


# ---------------------------------------------------------------- gunicorn: API list req/s


def http_api_list(url: str, clients: int, seconds: float, workers: int = 2) -> dict[str, Any]:
    """``GET /api/v1/tickets?limit=50`` (staff token) against ``servicepact serve`` with
    ``workers`` gunicorn workers on the loaded database, ``clients`` keep-alive client
    threads for ``seconds`` (bench/http_load.py's client); the production settings that
    matter: DEBUG=0, manifest static files, CONN_MAX_AGE=60."""
    import tempfile

    import http_load

    var = Path(tempfile.mkdtemp(prefix="sp-scale-http-"))
    env = {**os.environ, "DATABASE_URL": url, "DEBUG": "0", "CONN_MAX_AGE": "60",
           "SERVICEPACT_VAR_DIR": str(var), "LOG_LEVEL": "ERROR",
           "SECRET_KEY": os.environ.get("SECRET_KEY") or "scale-bench-" + os.urandom(16).hex(),
           "PYTHONPATH": str(ROOT / "src")}  # fmt: skip
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    env.pop("SERVICEPACT_MANIFEST_STATIC", None)
    proc: subprocess.Popen[bytes] | None = None
    try:
        token = http_load.run(["createtoken", "bench-staff"], env).strip().splitlines()[-1]
        port = http_load.free_port()
        proc = subprocess.Popen(
            [*http_load.SP, "serve", "--bind", f"127.0.0.1:{port}", "--workers", str(workers)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        http_load.wait_for(port, proc)
        bearer = {"Authorization": f"Bearer {token}"}
        http_load.load(port, "warm-up", lambda n: ("GET", "/api/v1/tickets?limit=50", None,
                                                   bearer), clients, 2)  # fmt: skip
        phase = http_load.load(
            port, "api_list", lambda n: ("GET", "/api/v1/tickets?limit=50", None, bearer),
            clients, seconds,
        )  # fmt: skip
    except (OSError, SystemExit, subprocess.SubprocessError) as exc:
        return {"error": f"gunicorn: {exc}"}
    finally:
        http_load.stop(proc)
        shutil.rmtree(var, ignore_errors=True)
    return {
        "rps": phase.rps,
        "p50_ms": phase.percentile(0.5),
        "p95_ms": phase.percentile(0.95),
        "errors": phase.errors,
        "workers": workers,
        "clients": clients,
        "seconds": seconds,
        "loadavg": os.getloadavg()[0],
    }


# ---------------------------------------------------------------- django-helpdesk

HELPDESK_DRIVER = r"""
import json, os, re, statistics, sys, time
import django
from django.conf import settings

url, count, repeats = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
from urllib.parse import urlsplit
u = urlsplit(url)
settings.configure(
    DEBUG=False, SECRET_KEY="bench-only", ALLOWED_HOSTS=["testserver"], USE_TZ=True,
    TIME_ZONE="UTC", SITE_ID=1, HELPDESK_TEAMS_MODE_ENABLED=False, ROOT_URLCONF="hd_urls", STATIC_URL="/static/",
    LOGIN_URL="/login/", DEFAULT_AUTO_FIELD="django.db.models.BigAutoField",
    DATABASES={"default": {"ENGINE": "django.db.backends.postgresql", "NAME": u.path[1:],
               "USER": u.username or "postgres", "HOST": u.hostname, "PORT": u.port or 5432}},
    INSTALLED_APPS=["django.contrib.admin", "django.contrib.auth",
        "django.contrib.contenttypes", "django.contrib.sessions", "django.contrib.messages",
        "django.contrib.staticfiles", "django.contrib.sites", "django.contrib.humanize",
        "rest_framework", "helpdesk"],
    MIDDLEWARE=["django.contrib.sessions.middleware.SessionMiddleware",
        "django.middleware.common.CommonMiddleware", "django.middleware.csrf.CsrfViewMiddleware",
        "django.contrib.auth.middleware.AuthenticationMiddleware",
        "django.contrib.messages.middleware.MessageMiddleware"],
    TEMPLATES=[{"BACKEND": "django.template.backends.django.DjangoTemplates", "DIRS": [],
        "APP_DIRS": True, "OPTIONS": {"context_processors": [
            "django.template.context_processors.request",
            "django.contrib.auth.context_processors.auth",
            "django.contrib.messages.context_processors.messages"]}}],
)
sys.modules["hd_urls"] = type(sys)("hd_urls")
django.setup()
from django.urls import include, path
sys.modules["hd_urls"].urlpatterns = [path("", include("helpdesk.urls", namespace="helpdesk"))]
from django.core.management import call_command
call_command("migrate", verbosity=0)
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone
from helpdesk.models import Queue, Ticket
queue = Queue.objects.create(title="Support", slug="support")
staff = get_user_model().objects.create_user("hd-staff", password=None, is_staff=True, is_superuser=True)
moment = timezone.now()
began = time.perf_counter()
Ticket.objects.bulk_create(
    (Ticket(title=f"Bench ticket {i}", queue=queue, status=Ticket.OPEN_STATUS, priority=1 + i % 5,
            created=moment, modified=moment, submitter_email=f"c{i % 200}@example.com",
            description="bench") for i in range(count)),
    batch_size=5000,
)
from django.db import connection
with connection.cursor() as cursor:
    cursor.execute("ANALYZE")
load_s = time.perf_counter() - began
client = Client()
client.force_login(staff)

def once():
    began = time.perf_counter()
    page = client.get("/tickets/")
    assert page.status_code == 200, page.status_code
    data_url = re.search(rb'"url": "([^"]*datatables_ticket_list/[^"]*)"', page.content).group(1)
    rows = client.get(data_url.decode() + "?draw=1&start=0&length=25")
    assert rows.status_code == 200, rows.status_code
    body = rows.json()
    return time.perf_counter() - began, body.get("recordsTotal"), len(body.get("data", []))

once()
times, total, shown = [], 0, 0
for _ in range(repeats):
    seconds, total, shown = once()
    times.append(seconds)
print("CHILD " + json.dumps({"median_s": statistics.median(times), "load_s": load_s,
                              "records_total": total, "rows": shown,
                              "django": django.get_version()}), flush=True)
"""


def helpdesk(base: str, open_tickets: int, repeats: int, fresh: bool) -> dict[str, Any]:
    """django-helpdesk's open-ticket list over ``open_tickets`` open tickets, in its own venv."""
    python = HELPDESK_VENV / "bin" / "python"
    marker = HELPDESK_VENV / ".installed"
    try:
        if fresh or not marker.exists():
            subprocess.run([sys.executable, "-m", "venv", "--clear", str(HELPDESK_VENV)],
                           check=True, capture_output=True, timeout=300)  # fmt: skip
            pip = subprocess.run(
                [str(python), "-m", "pip", "install", "-q", "django-helpdesk", "psycopg[binary]"],
                capture_output=True,
                text=True,
                timeout=900,
            )
            if pip.returncode:
                return {"error": "pip install django-helpdesk failed: " + pip.stderr[-300:]}
            marker.touch()
    except (OSError, subprocess.SubprocessError) as exc:
        return {"error": f"virtualenv: {exc}"}
    name = f"sp_scalebench_helpdesk_{os.getpid()}"
    try:
        url = create_db(base, name)
        driver = HELPDESK_VENV / "driver.py"
        driver.write_text(HELPDESK_DRIVER)
        proc = subprocess.run(
            [str(python), str(driver), url, str(open_tickets), str(repeats)],
            capture_output=True,
            text=True,
            timeout=3600,
            cwd=str(HELPDESK_VENV),
        )
        for line in proc.stdout.splitlines():
            if line.startswith("CHILD "):
                return json.loads(line[6:])
        return {"error": "driver: " + " | ".join(proc.stderr.strip().splitlines()[-6:])}
    finally:
        drop_db(base, name)


# ---------------------------------------------------------------- main


def ratio(a: float, b: float) -> float:
    return a / b if b and not math.isnan(a) else math.nan


def fmt(value: float) -> str:
    return "nan" if math.isnan(value) else f"{value:.2f}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="10k and 100k on PostgreSQL only (growth 10k -> 100k)")  # fmt: skip
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--fresh-venv", action="store_true",
                        help="rebuild the django-helpdesk virtualenv")  # fmt: skip
    parser.add_argument("--no-helpdesk", action="store_true")
    parser.add_argument("--sizes", help="comma-separated ticket counts instead (for trying)")
    parser.add_argument("--endpoints", help="comma-separated endpoints to measure (default all; "
                        "the others print nan), e.g. dashboard for its 1M point")  # fmt: skip
    parser.add_argument("--no-http", action="store_true",
                        help="skip the API list req/s on 2 gunicorn workers")  # fmt: skip
    parser.add_argument("--http-seconds", type=float, default=15.0)
    parser.add_argument("--http-clients", type=int, default=8)
    parser.add_argument("--conn-max-age", default="60",
                        help="CONN_MAX_AGE of the in-process requests (0: a connection each)")  # fmt: skip
    args = parser.parse_args()
    base = os.environ.get("DATABASE_URL", DEFAULT_URL)
    if not base.startswith(("postgres://", "postgresql://")):
        print(f"DATABASE_URL must name PostgreSQL, not {base}", file=sys.stderr)
        return 2
    sizes = [10_000, 100_000] if args.quick else [10_000, 100_000, 1_000_000]
    if args.sizes:
        sizes = [int(n) for n in args.sizes.split(",")]
    only = args.endpoints.split(",") if args.endpoints else None
    if only is not None and not set(only) <= set(ENDPOINTS):
        print(f"--endpoints: one of {', '.join(ENDPOINTS)}", file=sys.stderr)
        return 2
    runs: dict[str, dict[str, Any]] = {}
    made: list[str] = []
    sqlite_path = ROOT / "var" / "bench" / "scale_pages.sqlite3"
    began = time.perf_counter()
    os.environ["CONN_MAX_AGE"] = args.conn_max_age  # the children inherit it
    http: dict[str, Any] = {"error": "skipped (--no-http)"}
    try:
        for n in sizes:
            name = f"sp_scalebench_{n}_{os.getpid()}"
            made.append(name)
            url = create_db(base, name)
            runs[f"pg {n}"] = measure_size(url, n, f"PostgreSQL, {n:,} tickets", args.repeats, only)
            if n == sizes[-1] and not args.no_http:
                http = http_api_list(url, args.http_clients, args.http_seconds)
                if "error" in http:
                    print(f"   API list on gunicorn: {http['error']}", flush=True)
                else:
                    print(f"   API list on {http['workers']} gunicorn workers, {http['clients']} "
                          f"clients: {http['rps']:.1f} req/s, p50 {http['p50_ms']:.1f} ms, "
                          f"p95 {http['p95_ms']:.1f} ms, {http['errors']} errors "
                          f"(load average {http['loadavg']:.1f})", flush=True)  # fmt: skip
            drop_db(base, name)
            made.remove(name)
        if not args.quick:
            sqlite_path.parent.mkdir(parents=True, exist_ok=True)
            sqlite_path.unlink(missing_ok=True)
            runs["sqlite 100000"] = measure_size(
                f"sqlite:///{sqlite_path}", 100_000, "SQLite, 100,000 tickets", args.repeats, only
            )
        largest = runs[f"pg {sizes[-1]}"]
        hd: dict[str, Any] = {"error": "skipped (--no-helpdesk)"}
        if not args.no_helpdesk:
            print(f"\n== django-helpdesk, {largest['info']['open']:,} open tickets", flush=True)
            hd = helpdesk(base, largest["info"]["open"], args.repeats, args.fresh_venv)
            if "error" in hd:
                print(f"   django-helpdesk not measured: {hd['error']}", flush=True)
            else:
                print(f"   open-ticket list (page + first datatables page): "
                      f"{hd['median_s'] * 1000:.1f} ms median; {hd['records_total']:,} records, "
                      f"Django {hd['django']}; bulk load {hd['load_s']:.1f} s", flush=True)  # fmt: skip
    finally:
        for name in made:
            drop_db(base, name)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{sqlite_path}{suffix}").unlink(missing_ok=True)
    report(runs, sizes, hd, args.quick, time.perf_counter() - began, http)
    return 0


def _median(run: dict[str, Any], endpoint: str) -> float:
    out = run.get(endpoint, {})
    return out.get("median_s", math.nan)


def report(
    runs: dict[str, dict[str, Any]],
    sizes: list[int],
    hd: dict[str, Any],
    quick: bool,
    total: float,
    http: dict[str, Any],
) -> None:
    big = sizes[-1]
    small = sizes[-2] if len(sizes) > 1 else None  # one size (``--sizes N``): no growth
    keys = [f"pg {n}" for n in sizes] + [k for k in runs if k.startswith("sqlite")]
    grows = f"{small:,} -> {big:,}" if small else "nan (one size)"
    print(f"\nmedian seconds (x /login/ of the same process); growth {grows}")
    header = f"{'endpoint':<32}" + "".join(f"{k:>24}" for k in keys) + f"{'growth':>8}{'RSS MB':>8}"
    print(header)
    growth: dict[str, float] = {}
    for endpoint, (label, _) in [("login", ("GET /login/", "")), *ENDPOINTS.items()]:
        cells = []
        for k in keys:
            run = runs[k]
            if endpoint == "login":
                value = statistics.median(
                    [o["login_s"] for e, o in run.items() if e in ENDPOINTS and "login_s" in o]
                    or [math.nan]
                )
                cells.append(f"{value:>24.4f}")
                continue
            value = _median(run, endpoint)
            login = run.get(endpoint, {}).get("login_s", math.nan)
            cells.append(f"{value:>14.4f} (x{ratio(value, login):>6.1f})")
        if endpoint == "login":
            print(f"{label:<32}" + "".join(cells))
            continue
        growth[endpoint] = (
            ratio(_median(runs[f"pg {big}"], endpoint), _median(runs[f"pg {small}"], endpoint))
            if small
            else math.nan
        )
        rss = runs[f"pg {big}"].get(endpoint, {}).get("rss_growth_mb", math.nan)
        print(f"{label:<32}" + "".join(cells) + f"{fmt(growth[endpoint]):>8}{rss:>8.1f}")
    last = runs[f"pg {big}"]

    def x_login(endpoint: str) -> float:
        out = last.get(endpoint, {})
        return ratio(out.get("median_s", math.nan), out.get("login_s", math.nan))

    flat = [growth[e] for e in FLAT]
    max_growth = math.nan if any(math.isnan(g) for g in flat) else max(flat)
    rss = [o.get("rss_growth_mb", math.nan) for e, o in last.items() if e in ENDPOINTS]
    max_rss = max(rss) if rss and not any(math.isnan(r) for r in rss) else math.nan
    vs = ratio(hd.get("median_s", math.nan), _median(last, "queue"))
    if "error" in hd:
        print(f"vs_helpdesk=nan: {hd['error']}")
    if quick:
        print(f"--quick: max_growth_100k_1m compares {small:,} -> {big:,} tickets "
              "(no 1M run); a flat page stays under 2")  # fmt: skip
    print(f"total {total:.0f} s")
    extra = []
    if not quick:
        for n in sizes:
            tag = {10_000: "10k", 100_000: "100k", 1_000_000: "1m"}.get(n, str(n))
            for e in ("queue", "api_list", "dashboard", "statement", "portal", "audit"):
                extra.append(f"{e}_s_{tag}={_median(runs[f'pg {n}'], e):.4f}")
        if "sqlite 100000" in runs:
            run = runs["sqlite 100000"]
            for e in ("queue", "api_list", "dashboard", "statement", "portal"):
                out = run.get(e, {})
                extra.append(
                    f"sqlite_{e}_x_login={fmt(ratio(out.get('median_s', math.nan), out.get('login_s', math.nan)))}"
                )
    print(
        f"RESULT queue_x_login={fmt(x_login('queue'))} api_list_x_login={fmt(x_login('api_list'))} "
        f"dashboard_x_login={fmt(x_login('dashboard'))} "
        f"statement_x_login={fmt(x_login('statement'))} portal_x_login={fmt(x_login('portal'))} "
        f"max_growth_100k_1m={fmt(max_growth)} max_rss_growth_mb={fmt(max_rss)} "
        f"vs_helpdesk={fmt(vs)} tickets={big} "
        f"queue_s={_median(last, 'queue'):.4f} helpdesk_s={hd.get('median_s', math.nan):.4f} "
        f"audit_s={_median(last, 'audit'):.4f} "
        f"audit_rss_mb={last.get('audit', {}).get('rss_growth_mb', math.nan):.1f} "
        f"api_list_rps={http.get('rps', math.nan):.1f} "
        f"desk_search_x_login={fmt(x_login('desk_search'))}" + "".join(" " + e for e in extra)
    )


if __name__ == "__main__":
    if "--child" in sys.argv:
        child(sys.argv[1:])
    else:
        sys.exit(main())
