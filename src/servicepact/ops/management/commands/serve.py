"""``servicepact serve``: the production web server (gunicorn), docs/deployment.md.

Steps:

1. Prepare the metrics directory: ``PROMETHEUS_MULTIPROC_DIR`` when set (emptied: counts of a
   previous run must not carry over), otherwise a private temporary one, so ``/metrics`` sums
   every gunicorn worker whichever one answers the scrape.
2. Collect static files when the manifest is missing or older than a source file
   (``ops.staticfiles.manifest_state``), so a fresh install serves its CSS without a separate
   ``collectstatic``.
3. Run the start-up checks (every system check plus the static manifest check).
4. Close this process's database connections (workers must not share them) and hand over to
   gunicorn, which runs until SIGTERM / SIGINT.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connections

from servicepact.ops.checks import require_static_manifest
from servicepact.ops.serving import default_workers, gunicorn_logging
from servicepact.ops.staticfiles import ManifestState, manifest_state


def _positive(value: str) -> int:
    number = int(value)
    if number < 1:
        raise ValueError(value)
    return number


class Command(BaseCommand):
    help = "Serves ServicePact under gunicorn (collects static files first when needed)."
    # Checks run in handle(), after collectstatic, so a missing manifest is fixed, not reported.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--bind",
            default=os.environ.get("SERVICEPACT_BIND", "127.0.0.1:8000"),
            help="HOST:PORT or unix:PATH (env SERVICEPACT_BIND, default 127.0.0.1:8000)",
        )
        parser.add_argument(
            "--workers",
            type=_positive,
            default=None,
            help="worker processes (env WEB_CONCURRENCY, default 2 × cores + 1, at most 12)",
        )
        parser.add_argument(
            "--threads", type=_positive, default=1, help="threads per worker (default 1)"
        )
        parser.add_argument(
            "--timeout",
            type=_positive,
            default=30,
            help="seconds before a silent worker is killed and restarted (default 30)",
        )
        parser.add_argument(
            "--access-log",
            action="store_true",
            help="log one line per request (with its X-Request-ID) to stderr",
        )
        parser.add_argument(
            "--no-collectstatic",
            action="store_true",
            help="do not collect static files, even when the manifest is missing or stale",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        workers = options["workers"] or self._env_workers()
        # Before anything imports prometheus_client: it picks its storage at import time.
        metrics_dir, private = self._metrics_dir()
        if not options["no_collectstatic"]:
            self._collect_if_needed()
        self.check()
        require_static_manifest()
        connections.close_all()
        gunicorn_options = {
            "bind": options["bind"],
            "workers": workers,
            "threads": options["threads"],
            "timeout": options["timeout"],
            "accesslog": "-" if options["access_log"] else None,
            "access_log_format": '%(h)s "%(r)s" %(s)s %(b)s %(M)sms id=%({x-request-id}o)s',
            "errorlog": "-",
            "proc_name": "servicepact",
            "forwarded_allow_ips": os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1"),
            "logconfig_dict": gunicorn_logging(access=options["access_log"]),
            # gunicorn >= 27 opens a control socket in $HOME by default; one per user, so two
            # servers on a host would share it. Nothing here uses it (older versions ignore this).
            "control_socket_disable": True,
        }
        from servicepact.ops.gunicorn import ServeApplication

        try:
            ServeApplication(gunicorn_options).run()
        finally:
            if private:
                shutil.rmtree(metrics_dir, ignore_errors=True)

    def _collect_if_needed(self) -> None:
        state = manifest_state()
        if state in (ManifestState.MISSING, ManifestState.STALE):
            self.stderr.write(f"static files manifest {state}: collecting static files")
            call_command("collectstatic", "--noinput", verbosity=0)

    def _env_workers(self) -> int:
        raw = os.environ.get("WEB_CONCURRENCY")
        if not raw:
            return default_workers()
        try:
            return _positive(raw)
        except ValueError:
            raise CommandError(f"WEB_CONCURRENCY: {raw!r} is not a positive integer") from None

    def _metrics_dir(self) -> tuple[Path, bool]:
        configured = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
        if configured:
            path = Path(configured)
            path.mkdir(parents=True, exist_ok=True)
            for stale in path.glob("*.db"):
                stale.unlink()
            return path, False
        path = Path(tempfile.mkdtemp(prefix="servicepact-metrics-"))
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(path)
        return path, True
