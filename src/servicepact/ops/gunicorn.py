"""gunicorn embedded: ``servicepact serve`` builds its configuration from options, not a file."""

from __future__ import annotations

import os
from typing import Any

from gunicorn.app.base import BaseApplication


def default_workers(cores: int | None = None) -> int:
    """gunicorn's rule of thumb, 2 × cores + 1, capped at 12: each worker holds a database
    connection and its own memory, and more processes than that only queue on the database."""
    count = cores if cores is not None else (os.cpu_count() or 1)
    return min(2 * count + 1, 12)


def gunicorn_logging() -> dict[str, Any]:
    """gunicorn's own log lines (boot, worker restarts, access) in ServicePact's format."""
    from django.conf import settings

    formatter = settings.LOGGING["handlers"]["console"]["formatter"]
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": settings.LOGGING["filters"],
        "formatters": settings.LOGGING["formatters"],
        "handlers": {
            "gunicorn": {
                "class": "logging.StreamHandler",
                "formatter": formatter,
                "filters": ["request_id"],
            }
        },
        "loggers": {
            "gunicorn.error": {"handlers": ["gunicorn"], "level": "INFO", "propagate": False},
            "gunicorn.access": {"handlers": ["gunicorn"], "level": "INFO", "propagate": False},
        },
    }


def _child_exit(server: Any, worker: Any) -> None:
    # A dead worker's live gauges must not be summed into the scrape (prometheus_client docs).
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)


class ServeApplication(BaseApplication):  # type: ignore[misc]
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
