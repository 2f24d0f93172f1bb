"""``servicepact worker``: the background worker (docs/worker.md).

Steps:

1. Install SIGTERM / SIGINT handlers that only set a stop flag.
2. Run a pass (``worker.passes.run_pass``): due clocks, outbox delivery, contract
   lifecycle, auto-close; one summary line is logged per pass.
3. With ``--once``, exit after that pass (for cron): status 0 when every step succeeded,
   1 when a step failed (the failure is logged, the other steps still ran). Otherwise run the next pass at once if
   a step used its whole batch, else wait ``--interval`` seconds (woken early by a signal).
4. On the stop flag, the pass in progress finishes its current batch, then the loop exits.
"""

from __future__ import annotations

import signal
import threading
from types import FrameType
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import close_old_connections

from servicepact.worker.passes import run_pass


class Command(BaseCommand):
    help = "Runs the background worker: escalations, notifications, contract lifecycle, auto-close."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="run one pass and exit (cron)")
        parser.add_argument(
            "--batch", type=int, default=500, help="items per step and pass (default 500)"
        )
        parser.add_argument(
            "--interval",
            type=float,
            default=10.0,
            help="seconds to wait between passes when idle (default 10)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        batch = max(1, options["batch"])
        if options["once"]:
            report = run_pass(batch=batch)
            self.stdout.write(report.summary())
            if not report.ok:
                raise CommandError(
                    f"{report.failed_steps} step(s) failed, {report.clocks.failed} due clock(s) "
                    "failed: see the log",
                    returncode=1,
                )
            return
        stop = threading.Event()

        def request_stop(signum: int, frame: FrameType | None) -> None:
            stop.set()

        previous = {
            sig: signal.signal(sig, request_stop) for sig in (signal.SIGTERM, signal.SIGINT)
        }
        try:
            while not stop.is_set():
                # A long-running process must not keep a connection the database has dropped.
                close_old_connections()
                report = run_pass(batch=batch, stop=stop.is_set)
                if not report.full:
                    stop.wait(options["interval"])
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        self.stdout.write("worker stopped")
