"""The generic ServicePact backup run format (docs/backups.md, "Generic JSON").

    {"runs": [{"id": "...", "status": "started" | "succeeded" | "failed",
               "host": "...", "asset": "id or hostname", "location": "local" | "offsite" |
               "other_zone", "started_at": "RFC 3339", "finished_at": "RFC 3339",
               "size_bytes": 123, "files": 45, "snapshot": "...", "message": "..."}]}

``id`` is the run's key for this source: the same id reported again (started, then
finished) updates the same run. ``finished_at`` is required unless the status is started.
"""

from __future__ import annotations

from typing import Any

from servicepact.backups.sources.base import (
    FAILED,
    MAX_MESSAGE,
    STARTED,
    SUCCEEDED,
    Delivery,
    ParsedRun,
    PayloadError,
    Rejection,
    check_count,
    check_host,
    check_key,
    check_location,
    check_snapshot,
    each_run,
    instant,
    load_json,
    may_hold_unstorable_text,
    optional,
    require,
)

_KNOWN = frozenset(
    {
        "id",
        "status",
        "host",
        "asset",
        "location",
        "started_at",
        "finished_at",
        "size_bytes",
        "files",
        "snapshot",
        "message",
    }
)
_STATUSES = (STARTED, SUCCEEDED, FAILED)


def parse(body: bytes, delivery: Delivery) -> list[ParsedRun | Rejection]:
    data = load_json(body)
    if not isinstance(data, dict):
        raise PayloadError('body: expected a JSON object {"runs": [...]}')
    runs = require(data, "runs", "body", list)
    if not runs:
        raise PayloadError("body.runs: must not be empty")
    return each_run(
        runs,
        lambda item, where: _run(item, where, delivery),
        "runs",
        check=may_hold_unstorable_text(body),
    )


def _run(item: Any, where: str, delivery: Delivery) -> ParsedRun:
    if not isinstance(item, dict):
        raise PayloadError(f"{where}: expected an object")
    unknown = sorted(set(item) - _KNOWN)
    if unknown:
        raise PayloadError(f"{where}: unknown fields {', '.join(unknown)}")
    key = check_key(require(item, "id", where, str), f"{where}.id")
    status = require(item, "status", where, str)
    if status not in _STATUSES:
        raise PayloadError(f"{where}.status: expected one of {', '.join(_STATUSES)}")
    started_at = instant(require(item, "started_at", where, str), f"{where}.started_at")
    finished_at = None
    if status != STARTED:
        finished_at = instant(require(item, "finished_at", where, str), f"{where}.finished_at")
        if finished_at < started_at:
            raise PayloadError(f"{where}.finished_at: before started_at")
    host = check_host(optional(item, "host", where, str, "") or delivery.host, f"{where}.host")
    asset = optional(item, "asset", where, (str, int), "")
    if not host and asset in ("", None):
        raise PayloadError(f"{where}: host or asset required")
    location = check_location(
        optional(item, "location", where, str, "") or delivery.location, f"{where}.location"
    )
    return ParsedRun(
        run_key=key,
        status=status,
        started_at=started_at,
        finished_at=finished_at,
        host=host,
        asset_hint=str(asset),
        location=location,
        size_bytes=check_count(item.get("size_bytes"), f"{where}.size_bytes"),
        files=check_count(item.get("files"), f"{where}.files"),
        snapshot=check_snapshot(optional(item, "snapshot", where, str, ""), f"{where}.snapshot"),
        message=optional(item, "message", where, str, "")[:MAX_MESSAGE],
    )
