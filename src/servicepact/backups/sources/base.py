"""What every backup source parser returns, and the checks they share.

The checks of alert sources are reused (``monitoring.sources.base``): a payload that breaks
the tool's format is a ``PayloadError`` (the whole delivery refused, 400, nothing stored); one
run holding what cannot be stored (a NUL character, an instant outside 1970..2999, an id over
200 characters) is ``Unstorable`` and becomes a ``Rejection`` of that run only.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from servicepact.monitoring.sources.base import (
    PayloadError,
    Rejection,
    Unstorable,
    check_instant,
    check_text,
    optional,
    parse_instant,
    require,
)

__all__ = [
    "FAILED",
    "LOCATIONS",
    "MAX_KEY",
    "STARTED",
    "SUCCEEDED",
    "Delivery",
    "ParsedRun",
    "PayloadError",
    "Rejection",
    "Unstorable",
    "check_instant",
    "check_key",
    "check_text",
    "each_run",
    "optional",
    "parse_instant",
    "require",
]

STARTED, SUCCEEDED, FAILED = "started", "succeeded", "failed"
LOCATIONS = ("local", "offsite", "other_zone")
MAX_KEY = 200  # BackupRun.run_key
MAX_HOST = 253  # BackupRun.host
MAX_MESSAGE = 500  # BackupRun.message


@dataclass(frozen=True)
class Delivery:
    """What the request says besides its body: the query parameters a wrapper script adds
    (``?host=&location=``) and the source's clock zone (tools that report local times)."""

    received_at: datetime
    host: str = ""
    location: str = ""  # empty: the source's default
    timezone: str = "UTC"


@dataclass(frozen=True)
class ParsedRun:
    run_key: str
    status: str  # started | succeeded | failed
    started_at: datetime
    finished_at: datetime | None = None
    host: str = ""
    asset_hint: str = ""  # an asset id or hostname named explicitly
    location: str = ""  # empty: the source's default
    size_bytes: int | None = None
    files: int | None = None
    snapshot: str = ""
    message: str = ""


def instant(value: Any, where: str) -> datetime:
    """``parse_instant`` (monitoring.sources.base), with a fast path for the common
    ``2025-06-02T01:00:00Z`` form (no fraction to drop, UTC already)."""
    if isinstance(value, str) and len(value) == 20 and value[19] == "Z" and value[10] == "T":
        try:
            at = datetime.fromisoformat(value)
        except ValueError:
            return parse_instant(value, where)
        return check_instant(at, where)
    return parse_instant(value, where)


def check_key(value: str, where: str) -> str:
    value = value.strip()
    if not value:
        raise PayloadError(f"{where}: must not be empty")
    if len(value) > MAX_KEY:
        raise Unstorable(where, f"at most {MAX_KEY} characters, got {len(value)}")
    return value


def check_host(value: str, where: str) -> str:
    value = value.strip()
    if len(value) > MAX_HOST:
        raise Unstorable(where, f"at most {MAX_HOST} characters, got {len(value)}")
    return value


def check_snapshot(value: str, where: str) -> str:
    value = value.strip()
    if len(value) > MAX_KEY:
        raise Unstorable(where, f"at most {MAX_KEY} characters, got {len(value)}")
    return value


def check_location(value: str, where: str) -> str:
    if value and value not in LOCATIONS:
        raise PayloadError(f"{where}: expected one of {', '.join(LOCATIONS)}, got {value!r}")
    return value


def check_count(value: Any, where: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 2**63:
        raise PayloadError(f"{where}: expected a whole number >= 0")
    return value


# In JSON text a NUL character or a surrogate can only be written as an escape: a body
# without these escapes needs no per-run text check (the check is the costliest step).
_RISKY_ESCAPES = re.compile(rb"\\u(0000|[dD][89a-fA-F])")


def may_hold_unstorable_text(body: bytes) -> bool:
    return _RISKY_ESCAPES.search(body) is not None


def load_json(body: bytes) -> Any:
    """The body as JSON, or ``PayloadError`` naming the body. No depth walk (alert sources
    have one, ``monitoring.limits.load_json``): every run format here takes flat objects and
    refuses a nested value by its type, and too deep a document is a RecursionError."""
    try:
        return json.loads(body or b"")
    except RecursionError:
        raise PayloadError("body: JSON nested too deeply") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise PayloadError(f"body: not valid JSON ({exc})") from None


def each_run(
    items: list[Any],
    parse_one: Callable[[Any, str], ParsedRun],
    where: str,
    check: bool = True,
) -> list[ParsedRun | Rejection]:
    """Parses every run; an ``Unstorable`` run becomes a ``Rejection``, a ``PayloadError``
    still refuses the whole delivery. ``check=False``: the body cannot hold unstorable text
    (``may_hold_unstorable_text``), so the per-run text check is skipped."""
    out: list[ParsedRun | Rejection] = []
    for i, item in enumerate(items):
        here = f"{where}[{i}]"
        try:
            if check:
                check_text(item, here)
            out.append(parse_one(item, here))
        except Unstorable as exc:
            out.append(Rejection(index=i, field=exc.field, reason=exc.reason))
    return out
