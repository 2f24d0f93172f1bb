"""Log lines with time, level and the request id; JSON lines with ``LOG_FORMAT=json``.

``settings.LOGGING`` installs ``RequestIdFilter`` on the console handler and one of the two
formatters below. The request id lives in a context variable that the request-id middleware
(``servicepact.ops.middleware``) sets for the duration of a request, so any log call made while
serving it — in a view, a service or Django itself — carries the id; outside a request it is
``-`` (plain) or ``null`` (JSON).
"""

from __future__ import annotations

import json
import logging
from contextvars import ContextVar
from datetime import UTC, datetime

request_id_var: ContextVar[str | None] = ContextVar("servicepact_request_id", default=None)

PLAIN_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"


def current_request_id() -> str | None:
    """The id of the request being served by this thread or task, if any."""
    return request_id_var.get()


class RequestIdFilter(logging.Filter):
    """Adds ``record.request_id`` (never drops a record)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = request_id_var.get()
        return True


def _iso(created: float) -> str:
    # UTC with milliseconds and a Z, the same in both formats, whatever TIME_ZONE says.
    return datetime.fromtimestamp(created, tz=UTC).isoformat(timespec="milliseconds")[:-6] + "Z"


class PlainFormatter(logging.Formatter):
    """``2026-12-05T06:13:37.123Z INFO servicepact.worker [req-id] message``."""

    def __init__(self) -> None:
        super().__init__(PLAIN_FORMAT)

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        return _iso(record.created)

    def format(self, record: logging.LogRecord) -> str:
        # A copy: other handlers of the same record must still see request_id None.
        shown = logging.makeLogRecord(record.__dict__)
        shown.request_id = getattr(record, "request_id", None) or "-"
        return super().format(shown)


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request_id (+ exc_info)."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": _iso(record.created),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None),
        }
        if record.exc_info:
            entry["exc_info"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)
