"""gunicorn embedded: ``servicepact serve`` builds its configuration from options, not a file.

Imported only once the options are valid: importing gunicorn reads ``WEB_CONCURRENCY`` and
fails with a bare traceback when it is not a number.
"""

from __future__ import annotations

import os
from typing import Any

from gunicorn.app.base import BaseApplication


def _child_exit(server: Any, worker: Any) -> None:
    # A dead worker's live gauges must not be summed into the scrape (prometheus_client docs).
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)


class ServeApplication(BaseApplication):
    """Runs ``servicepact.wsgi:application`` with the given gunicorn settings."""

    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in {**self.options, "child_exit": _child_exit}.items():
            if value is not None and key in self.cfg.settings:
                self.cfg.set(key, value)

    def load(self) -> Any:
        # Imported in each worker after the fork: connections and caches are per process.
        from servicepact.wsgi import application

        return application
