"""Defaults of ``servicepact serve`` that do not need gunicorn imported."""

from __future__ import annotations

import os
from typing import Any


def default_workers(cores: int | None = None) -> int:
    """gunicorn's rule of thumb, 2 × cores + 1, capped at 12: each worker holds a database
    connection and its own memory, and more processes than that only queue on the database."""
    count = cores if cores is not None else (os.cpu_count() or 1)
    return min(2 * count + 1, 12)


def gunicorn_logging(*, access: bool) -> dict[str, Any]:
    """gunicorn's own log lines (boot, worker restarts, access) in ServicePact's format.

    With a logging dict, gunicorn writes access lines whatever ``accesslog`` says, so without
    ``access`` the access logger is raised above INFO."""
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
        # gunicorn merges this over its defaults: the root logger must name a handler here.
        "root": {"level": "WARNING", "handlers": ["gunicorn"]},
        "loggers": {
            "gunicorn.error": {"handlers": ["gunicorn"], "level": "INFO", "propagate": False},
            "gunicorn.access": {
                "handlers": ["gunicorn"],
                "level": "INFO" if access else "WARNING",
                "propagate": False,
            },
        },
    }
