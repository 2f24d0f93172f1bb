"""The audit export's memory: the request (direct streamed download and queueing a job) and the
worker's job, at 10k and 100k tickets on PostgreSQL, beside ``GET /login/``.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/sp_export .venv/bin/python bench/audit_export.py [--sizes 10000,100000]

Data: bench/_scale_data.py (the generator of bench/scale_pages.py): 200 contracts, N tickets in
June 2025, the big contract (C000-1) holds N/10 of them; each size in a throw-away database
``sp_export_bench_<N>_<pid>`` next to ``DATABASE_URL`` (dropped at the end, also on error).

Each measurement runs in its own fresh subprocess (bench/scale_pages.py's helpers), the clock
at 2025-06-30 20:00 UTC (time-machine, ticking), C000-1's June as the export:

* ``request``: ``GET /reports/desk/contracts/<id>/audit/?period=2025-06`` (the direct
  download, streamed as it is written) — bench/scale_pages.py's "audit" endpoint measurement:
  warm-up, peak RSS reset (``/proc/self/clear_refs`` 5), timed repeats beside ``/login/``;
  ``peak RSS growth`` = VmHWM after the repeats - VmRSS before them;
* ``queue``: ``POST .../audit-exports/`` (creates the job row, answers a redirect), the same way;
* ``job``: the worker's step ``run_due_exports``, one job per run (zip into storage under a
  temporary MEDIA_ROOT), three ``GET /login/`` after each: the first (cold) run's peak RSS
  growth (first-use imports included), then the repeats' warm growth as above, and the
  process's peak RSS (VmHWM, absolute) at the end;
* ``login``: the peak RSS growth of ``GET /login/`` alone over the same repeats (the floor).

Targets (issue 12): the request's peak RSS growth under 150 MB; the job's independent of the
size (``job_rss_ratio`` = growth at the largest size / at the smallest, near 1).

The last line is machine-readable:
RESULT request_rss_mb=... queue_rss_mb=... job_rss_mb=... login_rss_mb=... job_rss_ratio=...
       request_x_login=... job_s=... (+ per size)
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import os
import statistics
import sys
import tempfile
import time
from typing import Any

import scale_pages as sp

NAME = "audit_export"
SIZES = (10_000, 100_000)
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/sp_export"


def _peak_growth(run: Any, repeats: int) -> tuple[list[float], list[float], float]:
    """``run()`` ``repeats`` times, each followed by three anonymous ``GET /login/``; returns
    (times of run, times of /login/, peak RSS growth in MB over all of it)."""
    from django.test import Client

    anonymous = Client()
    gc.collect()
    rss_before = sp._proc_kb("VmRSS")
    reset = sp._reset_peak()
    times, login = [], []
    for _ in range(repeats):
        began = time.perf_counter()
        run()
        times.append(time.perf_counter() - began)
        for _ in range(3):
            login.append(sp._get(anonymous, "/login/")[0])
    if reset:
        peak = sp._proc_kb("VmHWM")
    else:  # no clear_refs: the process's peak so far (includes setup)
        import resource

        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return times, login, (peak - rss_before) / 1024


def child_measure(what: str, repeats: int, info: dict[str, Any]) -> dict[str, Any]:
    import time_machine
    from django.contrib.auth import get_user_model
    from django.test import Client

    traveller = time_machine.travel(sp.NOW, tick=True)
    traveller.start()
    from servicepact.contracts.models import Contract
    from servicepact.reports.exports import request_audit_export, run_due_exports
    from servicepact.reports.models import AuditExport

    staff = get_user_model().objects.get(username="bench-staff")
    contract = Contract.objects.get(pk=info["big_contract"])
    client, anonymous = Client(), Client()
    client.force_login(staff)
    for _ in range(3):
        sp._get(anonymous, "/login/")
    out: dict[str, Any] = {}
    if what == "login":

        def run() -> None:
            sp._get(anonymous, "/login/")

    elif what == "queue":
        url = f"/reports/desk/contracts/{contract.pk}/audit-exports/"

        def run() -> None:
            response = client.post(url, {"period": sp.PERIOD})
            assert response.status_code == 302, response.status_code
            AuditExport.objects.all().delete()  # the next POST queues a new row

    elif what == "job":

        def run() -> None:
            request_audit_export(contract=contract, period=sp.PERIOD, user=staff)
            assert run_due_exports(sp.NOW) == 1
            job = AuditExport.objects.order_by("-id").first()
            assert job is not None and job.status == "done", job and job.error
            out.update(bytes=job.size, rows=job.total)

    else:
        raise ValueError(what)
    # The first (cold) run: first-use imports and caches included, and whatever the
    # allocator keeps afterwards; the warm repeats then show what one more run adds.
    _, _, cold = _peak_growth(run, 1)
    times, login, growth = _peak_growth(run, repeats)
    traveller.stop()
    return {
        **out,
        "cold_rss_growth_mb": cold,
        "hwm_mb": sp._proc_kb("VmHWM") / 1024,
        "median_s": statistics.median(times),
        "login_s": statistics.median(login),
        "rss_growth_mb": growth,
        "repeats": repeats,
    }


def child(argv: list[str]) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--child", choices=["load", "measure"])
    parser.add_argument("--url")
    parser.add_argument("--tickets", type=int, default=0)
    parser.add_argument("--what")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--info", default="{}")
    args = parser.parse_args(argv)
    os.environ["MEDIA_ROOT"] = tempfile.mkdtemp(prefix="sp-export-bench-")
    sp.setup_django(args.url)
    if args.child == "load":
        out = sp.child_load(args.url, args.tickets)
    elif args.what == "request":
        out = sp.child_measure("audit", args.repeats, json.loads(args.info))
    else:
        out = child_measure(args.what, args.repeats, json.loads(args.info))
    print("CHILD " + json.dumps(out), flush=True)


def run_child(*args: str) -> dict[str, Any]:
    return sp.run_child(*args, script=__file__)


WHAT = {
    "login": "GET /login/ (floor)",
    "request": "GET .../audit/ (direct, streamed)",
    "queue": "POST .../audit-exports/ (queue)",
    "job": "worker job (zip into storage)",
}


def measure_size(base: str, n: int, repeats: int) -> dict[str, Any]:
    name = f"sp_export_bench_{n}_{os.getpid()}"
    url = sp.create_db(base, name)
    try:
        print(f"\n== PostgreSQL, {n:,} tickets: loading", flush=True)
        info = run_child("--child", "load", "--url", url, "--tickets", str(n))
        if "error" in info:
            raise RuntimeError(info["error"])
        print(f"   {info['tickets']:,} tickets, {info['clocks']:,} clocks; "
              f"bulk load {info['load_s']:.1f} s", flush=True)  # fmt: skip
        results: dict[str, Any] = {"info": info}
        for what, label in WHAT.items():
            out = run_child("--child", "measure", "--url", url, "--what", what,
                            "--repeats", str(repeats), "--info", json.dumps(info))  # fmt: skip
            results[what] = out
            if "error" in out:
                print(f"   {label:<38} ERROR {out['error']}", flush=True)
                continue
            extra = (
                f"; {out['bytes'] / 1024:.0f} KiB zip, {out['rows']:,} rows"
                if "rows" in out
                else ""
            )
            print(f"   {label:<38} {out['median_s'] * 1000:9.1f} ms  (/login/ "
                  f"{out['login_s'] * 1000:.1f} ms)  peak RSS +{out['rss_growth_mb']:.1f} MB"
                  f"{extra}", flush=True)  # fmt: skip
        return results
    finally:
        sp.drop_db(base, name)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default=",".join(str(n) for n in SIZES))
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    base = os.environ.get("DATABASE_URL", DEFAULT_URL)
    if not base.startswith(("postgres://", "postgresql://")):
        print(f"DATABASE_URL must name PostgreSQL, not {base}", file=sys.stderr)
        return 2
    sizes = [int(n) for n in args.sizes.split(",")]
    runs = {n: measure_size(base, n, args.repeats) for n in sizes}

    def value(n: int, what: str, key: str) -> float:
        return float(runs[n].get(what, {}).get(key, math.nan))

    small, big = sizes[0], sizes[-1]
    print(f"\n{'peak RSS growth (MB)':<40}" + "".join(f"{n:>12,}" for n in sizes))
    for what, label in WHAT.items():
        print(f"{label:<40}" + "".join(f"{value(n, what, 'rss_growth_mb'):>12.1f}" for n in sizes))
    print(f"{'worker job, cold (first run)':<40}"
          + "".join(f"{value(n, 'job', 'cold_rss_growth_mb'):>12.1f}" for n in sizes))  # fmt: skip
    print(f"{'worker process peak RSS (VmHWM)':<40}"
          + "".join(f"{value(n, 'job', 'hwm_mb'):>12.1f}" for n in sizes))  # fmt: skip
    ratio = sp.ratio(value(big, "job", "rss_growth_mb"), value(small, "job", "rss_growth_mb"))
    request_x_login = sp.ratio(value(big, "request", "median_s"), value(big, "request", "login_s"))
    print(f"job peak RSS growth {big:,} / {small:,} tickets: x{sp.fmt(ratio)}")
    per_size = " ".join(
        f"{what}_rss_mb_{n // 1000}k={value(n, what, 'rss_growth_mb'):.1f}"
        for n in sizes
        for what in WHAT
    )
    print(
        f"RESULT request_rss_mb={value(big, 'request', 'rss_growth_mb'):.1f} "
        f"queue_rss_mb={value(big, 'queue', 'rss_growth_mb'):.1f} "
        f"job_rss_mb={value(big, 'job', 'rss_growth_mb'):.1f} "
        f"login_rss_mb={value(big, 'login', 'rss_growth_mb'):.1f} "
        f"job_rss_ratio={sp.fmt(ratio)} request_x_login={sp.fmt(request_x_login)} "
        f"job_cold_rss_mb={value(big, 'job', 'cold_rss_growth_mb'):.1f} "
        f"job_hwm_mb={value(big, 'job', 'hwm_mb'):.1f} "
        f"job_s={value(big, 'job', 'median_s'):.3f} request_s={value(big, 'request', 'median_s'):.3f} "
        f"tickets={big} {per_size}"
    )
    return 0


if __name__ == "__main__":
    if "--child" in sys.argv:
        child(sys.argv[1:])
    else:
        sys.exit(main())
