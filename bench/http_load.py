"""HTTP load on a real production server: `servicepact serve` (gunicorn, 2 workers) on PostgreSQL.

Workload (deterministic data, bounded load, loopback only):

1. A throw-away PostgreSQL database ``sp_bench_http`` on the server of DATABASE_URL (default
   ``postgres://postgres@127.0.0.1:5432/``), created, migrated, seeded with the demo data set
   without its history (``seed-demo --no-history``) plus 300 tickets opened through
   ``tickets.services.open_ticket`` across the demo customers; dropped at the end.
2. ``servicepact serve --workers 2`` on a free 127.0.0.1 port with the production settings
   that matter for speed: DEBUG=0, manifest static files, ``CONN_MAX_AGE=60``.
3. For each endpoint in turn, ``--clients`` threads (default 20), each with its own keep-alive
   ``http.client`` connection, send requests back to back for ``--seconds`` (30; 10 with
   --quick) and record every latency:

   - ``healthz``: ``GET /healthz`` (the trivial endpoint every other one is compared with);
   - ``api_list``: ``GET /api/v1/tickets?limit=50`` with a staff bearer token;
   - ``api_detail``: ``GET /api/v1/tickets/{id}``, cycling through the seeded tickets;
   - ``desk_queue``: ``GET /desk/`` with a staff session (logged in through ``/login/``);
   - ``api_create``: ``POST /api/v1/tickets`` (one new ticket per request, with its clocks).

Prints req/s (2xx answers per second), p50/p95/p99 latency, the endpoint's p50 divided by
``healthz``'s p50 in the same run (how much heavier than "the server answers at all"), and
the server time per request (workers × 1000 / req/s: with more clients than workers, every
worker is busy the whole phase, so latency is mostly queueing and this is the cost).
The last line is machine-readable::

    RESULT workers=2 clients=20 seconds=30 healthz_rps=... healthz_p50_ms=... api_list_rps=...
           api_list_p50_ms=... api_list_p95_ms=... api_list_p99_ms=... api_list_ratio=... ...

    .venv/bin/python bench/http_load.py [--quick] [--seconds S] [--clients N] [--workers N]

``--database URL`` runs against an existing database instead (nothing created, seeded or
dropped; e.g. the 100k tickets ``bench/scale_pages.py --child load`` leaves): only
``healthz`` and ``api_list`` (``--endpoints``), with a token of ``--user`` (``bench-staff``,
the scale data's staff user). ``--src DIR`` serves another source tree (a ``git archive`` of
the base, with its compiled ``.mo`` files) for a before/after on the same data::

    .venv/bin/python bench/http_load.py --database postgres://postgres@127.0.0.1:5432/sp_x \
        --clients 8 --seconds 15 [--src /tmp/base/src]

The load client shares the machine with the server: on 2 cores, 20 client threads take CPU
from gunicorn, so absolute figures are a floor; the ratios are the comparable part.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SP = [sys.executable, "-m", "servicepact"]
DB_NAME = "sp_bench_http"
EXTRA_TICKETS = 300
ENDPOINTS = ("healthz", "api_list", "api_detail", "desk_queue", "api_create")

SEED_TICKETS = f"""
from itertools import cycle
from servicepact.customers.models import Customer
from servicepact.tickets.services import open_ticket
customers = cycle(Customer.objects.order_by("pk"))
for n in range({EXTRA_TICKETS}):
    c = next(customers)
    open_ticket(customer=c, subject=f"bench ticket {{n}}", impact=1 + n % 4, urgency=1 + n % 3)
from servicepact.tickets.models import Ticket
print("IDS", ",".join(str(pk) for pk in Ticket.objects.order_by("pk").values_list("pk", flat=True)[:200]))
print("CUSTOMER", Customer.objects.order_by("pk").first().pk)
"""


# ---------------------------------------------------------------- database and server


def admin_connection(url: str):  # type: ignore[no-untyped-def]
    import dj_database_url
    import psycopg

    server = dj_database_url.parse(url)
    return psycopg.connect(
        dbname="postgres",
        user=server["USER"],
        password=server["PASSWORD"] or None,
        host=server["HOST"] or None,
        port=server["PORT"] or None,
        autocommit=True,
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def run(args: list[str], env: dict[str, str]) -> str:
    done = subprocess.run([*SP, *args], env=env, capture_output=True, text=True, timeout=1200)
    if done.returncode != 0:
        raise SystemExit(f"servicepact {' '.join(args)} failed:\n{done.stderr[-3000:]}")
    return done.stdout


def wait_for(port: int, proc: subprocess.Popen[bytes], seconds: float = 180) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"serve exited with {proc.returncode}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit("serve did not answer within 180 s")


def stop(proc: subprocess.Popen[bytes] | None) -> None:
    """Stops the server (SIGTERM, then kill after 60 s)."""
    if proc is None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()


# ---------------------------------------------------------------- client


def login(port: int) -> str:
    """A staff session cookie through the real login form (CSRF included)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", "/login/")
    page = conn.getresponse()
    html = page.read().decode()
    csrf_cookie = re.search(r"csrftoken=([^;]+)", page.getheader("Set-Cookie") or "").group(1)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
    body = urllib.parse.urlencode(
        {"username": "agent", "password": "demo", "csrfmiddlewaretoken": token}
    )
    conn.request(
        "POST",
        "/login/",
        body=body,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": f"csrftoken={csrf_cookie}",
            "Referer": f"http://127.0.0.1:{port}/login/",
        },
    )
    answer = conn.getresponse()
    answer.read()
    session = re.search(r"sessionid=([^;]+)", answer.getheader("Set-Cookie") or "")
    if answer.status != 302 or session is None:
        raise SystemExit(f"login failed: {answer.status}")
    return f"sessionid={session.group(1)}; csrftoken={csrf_cookie}"


Request = Callable[[int], tuple[str, str, bytes | None, dict[str, str]]]


@dataclass
class Phase:
    name: str
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    seconds: float = 0.0

    def percentile(self, q: float) -> float:
        data = sorted(self.latencies)
        if not data:
            return float("nan")
        return data[min(len(data) - 1, int(q * len(data)))] * 1000

    @property
    def rps(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0


def load(port: int, name: str, make: Request, clients: int, seconds: float) -> Phase:
    phase = Phase(name)
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def client(index: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        mine: list[float] = []
        errors = 0
        n = index
        while time.monotonic() < stop_at:
            method, path, body, headers = make(n)
            n += clients
            started = time.perf_counter()
            try:
                conn.request(method, path, body=body, headers=headers)
                response = conn.getresponse()
                response.read()
                ok = 200 <= response.status < 300
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                ok = False
            if ok:
                mine.append(time.perf_counter() - started)
            else:
                errors += 1
        conn.close()
        with lock:
            phase.latencies.extend(mine)
            phase.errors += errors

    started = time.monotonic()
    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    phase.seconds = time.monotonic() - started
    return phase


def requests(token: str, session: str, ids: list[int], customer: int) -> dict[str, Request]:
    bearer = {"Authorization": f"Bearer {token}"}

    def create(n: int) -> tuple[str, str, bytes | None, dict[str, str]]:
        body = json.dumps({"customer": customer, "subject": f"load {n}", "impact": 3})
        return "POST", "/api/v1/tickets", body.encode(), {
            **bearer, "Content-Type": "application/json",
        }  # fmt: skip

    return {
        "healthz": lambda n: ("GET", "/healthz", None, {}),
        "api_list": lambda n: ("GET", "/api/v1/tickets?limit=50", None, bearer),
        "api_detail": lambda n: ("GET", f"/api/v1/tickets/{ids[n % len(ids)]}", None, bearer),
        "desk_queue": lambda n: ("GET", "/desk/", None, {"Cookie": session}),
        "api_create": create,
    }


# ---------------------------------------------------------------- main


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="10 s per endpoint")
    parser.add_argument("--seconds", type=float, default=None, help="per endpoint (30)")
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--database", help="an existing, loaded database (see above)")
    parser.add_argument("--user", default="bench-staff", help="with --database: the token's user")
    parser.add_argument("--endpoints", default="healthz,api_list", help="with --database")
    parser.add_argument("--src", type=Path, default=ROOT / "src", help="the source tree served")
    args = parser.parse_args()
    seconds = args.seconds or (10.0 if args.quick else 30.0)
    if args.database:
        return existing(args, seconds)
    server_url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/")
    if not server_url.startswith("postgres"):
        raise SystemExit("DATABASE_URL must point at a PostgreSQL server")
    url = server_url.rsplit("/", 1)[0] + "/" + DB_NAME
    try:
        admin = admin_connection(server_url)
    except Exception as exc:  # `make bench` on a machine without PostgreSQL
        print(f"no PostgreSQL at {server_url}: {exc}".strip())
        print("RESULT skipped=no_postgresql")
        return 0
    admin.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
    admin.execute(f'CREATE DATABASE "{DB_NAME}"')
    var = Path(tempfile.mkdtemp(prefix="sp-bench-http-"))
    env = server_env(url, var, args.src)
    proc: subprocess.Popen[bytes] | None = None
    try:
        t0 = time.monotonic()
        run(["migrate", "--noinput", "-v0"], env)
        run(["seed-demo", "--no-history"], env)
        seeded = run(["shell", "-c", SEED_TICKETS], env)
        ids = [int(x) for x in re.search(r"^IDS (.+)$", seeded, re.M).group(1).split(",")]
        customer = int(re.search(r"^CUSTOMER (\d+)$", seeded, re.M).group(1))
        token = run(["createtoken", "agent"], env).strip().splitlines()[-1]
        proc, port = serve(env, args.workers)
        print(f"set-up (migrate, seed, collectstatic, start): {time.monotonic() - t0:.0f} s")
        print(
            f"{args.workers} gunicorn workers, {args.clients} clients, {seconds:.0f} s per "
            f"endpoint, {len(ids)} tickets read"
        )
        print("load average before the load: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
        session = login(port)
        makers = requests(token, session, ids, customer)
        phases = {name: load(port, name, makers[name], args.clients, seconds) for name in ENDPOINTS}
    finally:
        stop(proc)
        admin.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
        admin.close()
    print("load average after the load: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    return report(phases, args.workers, args.clients, seconds)


def server_env(url: str, var: Path, src: Path) -> dict[str, str]:
    """The production server's environment: DEBUG off, a throw-away secret key unless one
    is set, its own var directory, the code under ``src``."""
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DEBUG": "0",
        "CONN_MAX_AGE": "60",
        "SERVICEPACT_VAR_DIR": str(var),
        "LOG_LEVEL": "ERROR",
        "PYTHONPATH": str(src),
        "SECRET_KEY": os.environ.get("SECRET_KEY") or "http-bench-" + os.urandom(16).hex(),
    }
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    return env


def serve(env: dict[str, str], workers: int) -> tuple[subprocess.Popen[bytes], int]:
    """``servicepact serve`` (gunicorn) with ``workers`` on a free local port, answering."""
    port = free_port()
    proc = subprocess.Popen(
        [*SP, "serve", "--bind", f"127.0.0.1:{port}", "--workers", str(workers)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for(port, proc)
    except BaseException:
        stop(proc)
        raise
    return proc, port


def existing(args: argparse.Namespace, seconds: float) -> int:
    """The phases of ``--endpoints`` on the server started on ``--database`` as it is."""
    names = [n for n in args.endpoints.split(",") if n]
    if not set(names) <= {"healthz", "api_list"}:
        raise SystemExit("--database measures healthz and api_list only")
    var = Path(tempfile.mkdtemp(prefix="sp-bench-http-"))
    env = server_env(args.database, var, args.src)
    env.pop("SERVICEPACT_MANIFEST_STATIC", None)
    proc: subprocess.Popen[bytes] | None = None
    try:
        token = run(["createtoken", args.user], env).strip().splitlines()[-1]
        proc, port = serve(env, args.workers)
        print(f"serving {args.src} on {args.database.rsplit('/', 1)[-1]}: {args.workers} "
              f"gunicorn workers, {args.clients} clients, {seconds:.0f} s per endpoint")  # fmt: skip
        makers = requests(token, "", [], 0)
        for name in names:  # warm-up: every worker's connection, caches and first requests
            load(port, "warm-up", makers[name], args.clients, 2)
        print("load average before the load: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
        phases = {name: load(port, name, makers[name], args.clients, seconds) for name in names}
    finally:
        stop(proc)
        shutil.rmtree(var, ignore_errors=True)
    print("load average after the load: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    return report(phases, args.workers, args.clients, seconds)


def report(phases: dict[str, Phase], workers: int, clients: int, seconds: float) -> int:
    base = phases["healthz"].percentile(0.5) if "healthz" in phases else float("nan")

    def server_ms(p: Phase) -> float:
        return workers * 1000 / p.rps if p.rps else float("nan")

    print(
        f"{'endpoint':<12} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'p50/healthz':>12} {'server ms':>10} {'errors':>7}"
    )
    result = [f"workers={workers}", f"clients={clients}", f"seconds={seconds:.0f}"]
    for name, p in phases.items():
        ratio = p.percentile(0.5) / base
        print(
            f"{name:<12} {p.rps:8.1f} {p.percentile(0.5):8.1f} {p.percentile(0.95):8.1f} "
            f"{p.percentile(0.99):8.1f} {ratio:12.1f} {server_ms(p):10.1f} {p.errors:7d}"
        )
        result += [
            f"{name}_rps={p.rps:.1f}",
            f"{name}_p50_ms={p.percentile(0.5):.1f}",
            f"{name}_p95_ms={p.percentile(0.95):.1f}",
            f"{name}_p99_ms={p.percentile(0.99):.1f}",
            f"{name}_server_ms={server_ms(p):.1f}",
            f"{name}_errors={p.errors}",
        ]
        if name != "healthz":
            result.append(f"{name}_ratio={ratio:.1f}")
    print("RESULT " + " ".join(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
