"""CPU per request of the API ticket list, in process, on an existing loaded database.

Where the time of ``GET /api/v1/tickets?limit=50`` goes, with the figure the machine's load
disturbs least: the CPU time of the process (``time.process_time``) and of the PostgreSQL
backend serving its connection (``/proc/<backend pid>/stat``), per request. Requests go
through Django's WSGI handler as gunicorn calls it (every middleware, URL resolution, ninja,
token authentication), with the production settings that matter: DEBUG=0, ``CONN_MAX_AGE``
60 and health checks as configured. A staff token of ``--user`` (``bench-staff``, the user
``bench/scale_pages.py --child load`` creates) is made for the run. After 20 warm-up
requests, ``--requests`` timed ones (300; 100 with ``--quick``), each followed by one ``GET /healthz`` (the baseline:
what the stack costs with no database work); medians. ``--profile`` then repeats the list
under cProfile (CPU clock) and prints the share of the main parts (the profiler inflates
small calls, so read shares, not milliseconds). Without ``--database`` (``make bench``) it
says so and skips.

    .venv/bin/python bench/scale_pages.py --child load --url postgres://postgres@127.0.0.1:5432/sp_x --tickets 100000
    .venv/bin/python bench/api_list_cpu.py --database postgres://postgres@127.0.0.1:5432/sp_x [--profile]
    PYTHONPATH=/tmp/base/src .venv/bin/python bench/api_list_cpu.py --database ...   # another tree

RESULT api_cpu_ms=... api_pg_cpu_ms=... api_wall_ms=... healthz_cpu_ms=... api_x_healthz=...
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import re
import statistics
import sys
import time
from typing import Any

PARTS = {
    "token lookup": r"services\.py:\d+\(authenticate_token\)",
    "the view (list_tickets)": r"api/tickets\.py:\d+\(list_tickets\)",
    "  page query (related names joined onto the page)": r"\(_fetch_page\)",
    "  capped count": r"query\.py:\d+\(count\)",
    "  values() of the page": r"query\.py:\d+\(values\)",
    "  clocks": r"\(_page_clocks\)",
    "  instants as text": r"\(_instant\)",
    "  JSON encoding": r"\(json_response\)",
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database", help="a loaded PostgreSQL database URL")
    parser.add_argument("--quick", action="store_true", help="100 requests")
    parser.add_argument("--user", default="bench-staff")
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--dump", help="with --profile: write the pstats file here too")
    args = parser.parse_args()
    if not args.database:  # ``make bench`` runs every script with --quick: there is no data here
        print("needs --database: a database bench/scale_pages.py --child load has filled")
        print("RESULT skipped=no_database")
        return 0
    if args.quick:
        args.requests = min(args.requests, 100)
    os.environ.update(
        DATABASE_URL=args.database,
        DJANGO_SETTINGS_MODULE="servicepact.settings",
        DEBUG="0",
        CONN_MAX_AGE="60",
        LOG_LEVEL="ERROR",
        SERVICEPACT_MANIFEST_STATIC="0",
    )
    os.environ.setdefault("SECRET_KEY", "api-list-cpu-" + os.urandom(16).hex())
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.handlers.wsgi import WSGIHandler
    from django.db import connection

    import servicepact
    from servicepact.accounts.services import create_api_token

    token, raw = create_api_token(user=get_user_model().objects.get(username=args.user), name="cpu")
    app = WSGIHandler()
    status: dict[str, str] = {}

    def start(code: str, headers: Any, exc_info: Any = None) -> None:
        status["code"] = code

    def get(path: str, query: str = "") -> int:
        environ = {
            "REQUEST_METHOD": "GET", "PATH_INFO": path, "QUERY_STRING": query,
            "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "8000", "HTTP_HOST": "127.0.0.1:8000",
            "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "127.0.0.1", "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(b""), "wsgi.errors": sys.stderr,
            "HTTP_AUTHORIZATION": f"Bearer {raw}",
        }  # fmt: skip
        size = len(b"".join(app(environ, start)))
        if not status["code"].startswith("200"):
            raise SystemExit(f"{path}: {status['code']}")
        return size

    def listing() -> int:
        return get("/api/v1/tickets", "limit=50")

    try:
        for _ in range(20):
            size = listing()
            get("/healthz")
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            backend = cursor.fetchone()[0]

        def backend_cpu() -> float:
            with open(f"/proc/{backend}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

        pg_before = backend_cpu()
        cpu, wall, base = [], [], []
        for _ in range(args.requests):
            c, w = time.process_time(), time.perf_counter()
            listing()
            cpu.append(time.process_time() - c)
            wall.append(time.perf_counter() - w)
            c = time.process_time()
            get("/healthz")
            base.append(time.process_time() - c)
        pg_ms = (backend_cpu() - pg_before) / args.requests * 1000
        if args.profile:
            profile = cProfile.Profile(time.process_time)
            profile.runcall(lambda: [listing() for _ in range(args.requests)])
            if args.dump:
                profile.dump_stats(args.dump)
            stats: Any = pstats.Stats(profile).stats
            whole = max(
                ct
                for (f, _l, n), (_c, _n, _t, ct, _) in stats.items()
                if n == "__call__" and f.endswith("wsgi.py")
            )
            print("share of the profiled WSGI call (CPU):")
            for label, pattern in PARTS.items():
                found = [
                    ct
                    for (f, line, n), (_c, _n, _t, ct, _) in stats.items()
                    if re.search(pattern, f"{f}:{line}({n})")
                ]
                print(f"  {label:<52} {max(found, default=0) / whole * 100:5.1f} %")  # fmt: skip
    finally:
        token.delete()
    api_ms, healthz_ms = statistics.median(cpu) * 1000, statistics.median(base) * 1000
    print(f"{servicepact.__file__}: {args.requests} requests, {size:,} bytes each, load average "
          f"{os.getloadavg()[0]:.1f}")  # fmt: skip
    print(f"API list: {api_ms:.2f} ms CPU (process), {pg_ms:.2f} ms CPU (PostgreSQL backend), "
          f"{statistics.median(wall) * 1000:.2f} ms wall; /healthz {healthz_ms:.2f} ms CPU")  # fmt: skip
    print(
        f"RESULT api_cpu_ms={api_ms:.2f} api_pg_cpu_ms={pg_ms:.2f} "
        f"api_wall_ms={statistics.median(wall) * 1000:.2f} healthz_cpu_ms={healthz_ms:.2f} "
        f"api_x_healthz={api_ms / healthz_ms:.1f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
