"""The statement page and the dashboard at 100k tickets: computed on every request (before
``reports.live_cache``) against reused within the minute, beside ``GET /login/``.

    .venv/bin/python bench/live_pages.py --url postgres://postgres@127.0.0.1:5432/sp_NAME_100k \
        [--load 100000] [--rounds 9] [--src /tmp/main/src]

``--url``: a database loaded by ``bench/scale_pages.py --child load --url URL --tickets N``
(``--load N`` does that first; the database must exist and be empty). The data and the clock
are scale_pages.py's (June 2025 the current month, 2025-06-30 20:00 UTC, ticking): the
statement of the big contract (N/10 tickets, no stored statement: the month is live) and the
dashboard (closed days frozen, today live).

One process, interleaved per round: for each page, one request with the cache cleared (what
every request cost before: the figures computed from the clocks; also the first request of
each minute now) and one that reuses the minute's figures, each followed by three anonymous
``GET /login/``. CPU = the process's CPU time per request (``time.process_time``), the
figure a shared machine disturbs least; medians over the rounds; ``x_login`` over
``/login/``'s CPU median.

``--src``: run another tree's code on the same database (the before; without
``reports.live_cache`` its "reused" requests compute too).

RESULT statement_cpu_ms=... statement_reused_cpu_ms=... dashboard_cpu_ms=...
       dashboard_reused_cpu_ms=... login_cpu_ms=... (+ wall times and x_login ratios)
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import scale_pages as sp  # puts src/ on the path too


def _one(client, path: str) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    wall, cpu = time.perf_counter(), time.process_time()
    response = client.get(path)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    if response.status_code != 200:
        raise SystemExit(f"GET {path} answered {response.status_code}")
    return cpu, wall


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--load", type=int, default=0, help="load N tickets first")
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument(
        "--src", help="another tree's src/ (e.g. main's, via git archive): the before"
    )
    args = parser.parse_args()
    if args.src:
        sys.path.insert(0, str(Path(args.src).resolve()))
    if args.load:
        info = sp.run_child("--child", "load", "--url", args.url, "--tickets", str(args.load))
        if "error" in info:
            raise SystemExit(info["error"])
    sp.setup_django(args.url)
    import time_machine
    from django.contrib.auth import get_user_model
    from django.core.cache import cache
    from django.test import Client

    from servicepact.contracts.models import Contract
    from servicepact.tickets.models import Ticket

    time_machine.travel(sp.NOW, tick=True).start()
    staff, anonymous = Client(), Client()
    staff.force_login(get_user_model().objects.get(username="bench-staff"))
    contract = Contract.objects.order_by("pk").first()
    assert contract is not None
    pages = {
        "statement": f"/reports/desk/contracts/{contract.pk}/statement/?period={sp.PERIOD}",
        "dashboard": "/reports/dashboard/",
    }
    samples: dict[str, list[tuple[float, float]]] = {"login": []}
    for path in pages.values():  # warm-up: imports, template compilation, connections
        cache.clear()
        _one(staff, path)
        _one(anonymous, "/login/")
    for _ in range(args.rounds):
        for page, path in pages.items():
            for mode in ("computed", "reused"):
                if mode == "computed":
                    cache.clear()
                samples.setdefault(f"{page}_{mode}", []).append(_one(staff, path))
                samples["login"] += [_one(anonymous, "/login/") for _ in range(3)]
    cpu = {k: statistics.median(c for c, _ in v) * 1000 for k, v in samples.items()}
    wall = {k: statistics.median(w for _, w in v) * 1000 for k, v in samples.items()}
    print(f"{Ticket.objects.count():,} tickets, {args.rounds} rounds; per request, median:")
    for key in samples:
        print(f"  {key:<20} CPU {cpu[key]:7.1f} ms (x{cpu[key] / cpu['login']:6.1f} /login/)"
              f"   wall {wall[key]:7.1f} ms")  # fmt: skip
    fields = []
    for page in pages:
        for mode, label in (("computed", ""), ("reused", "_reused")):
            key = f"{page}_{mode}"
            fields += [
                f"{page}{label}_cpu_ms={cpu[key]:.1f}",
                f"{page}{label}_wall_ms={wall[key]:.1f}",
                f"{page}{label}_x_login={cpu[key] / cpu['login']:.1f}",
            ]
    fields += [f"login_cpu_ms={cpu['login']:.2f}", f"login_wall_ms={wall['login']:.2f}"]
    print("RESULT " + " ".join(fields))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
