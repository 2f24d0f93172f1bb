"""restic: the output of ``restic backup --json``, posted as it is (JSON lines).

restic prints one JSON object per line: ``status`` messages while it works, an ``error``
message per file it could not read, then a ``summary`` (files_new, files_changed,
data_added, total_files_processed, total_bytes_processed, total_duration, backup_start and
backup_end since restic 0.17, snapshot_id), or an ``exit_error`` when the backup failed
(restic 0.17+). restic's output does not name the host: the wrapper script adds
``?host=$(hostname)`` (and ``&location=offsite`` for a copy's repository)::

    restic backup --json /srv | curl -sf --data-binary @- \\
      -H "Authorization: Bearer $TOKEN" \\
      "https://sp.example.com/api/v1/backups/runs/restic?host=$(hostname -f)"

Each ``summary`` is a succeeded run keyed by its ``snapshot_id`` (posting it again updates the
same run); an ``exit_error`` without a summary is a failed run. Status lines are skipped.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from servicepact.backups.sources.base import (
    FAILED,
    MAX_MESSAGE,
    SUCCEEDED,
    Delivery,
    ParsedRun,
    PayloadError,
    Rejection,
    Unstorable,
    check_count,
    check_host,
    check_instant,
    check_key,
    check_location,
    check_text,
    parse_instant,
)

MAX_LINES = 1_000_000


def parse(body: bytes, delivery: Delivery) -> list[ParsedRun | Rejection]:
    host = check_host(delivery.host, "query.host")
    if not host:
        raise PayloadError("query.host: required (restic's output does not name the host)")
    location = check_location(delivery.location, "query.location")
    messages = _lines(body)
    errors = [m for _, m in messages if m.get("message_type") == "error"]
    out: list[ParsedRun | Rejection] = []
    summaries = [(n, m) for n, m in messages if m.get("message_type") == "summary"]
    for index, (n, message) in enumerate(summaries):
        try:
            out.append(_summary(message, f"line {n}", host, location, delivery, len(errors)))
        except Unstorable as exc:
            out.append(Rejection(index=index, field=exc.field, reason=exc.reason))
    if not summaries:
        exits = [(n, m) for n, m in messages if m.get("message_type") == "exit_error"]
        if not exits:
            raise PayloadError(
                "body: no summary or exit_error message (post restic's complete --json output)"
            )
        n, message = exits[-1]
        out.append(_failed(message, f"line {n}", host, location, delivery, errors))
    return out


def _lines(body: bytes) -> list[tuple[int, dict[str, Any]]]:
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise PayloadError(f"body: not UTF-8 ({exc})") from None
    out = []
    for n, line in enumerate(text.splitlines()[:MAX_LINES], start=1):
        if not line.strip():
            continue
        try:
            message = json.loads(line)
        except (ValueError, RecursionError):
            raise PayloadError(f"line {n}: not a JSON object (restic backup --json)") from None
        if not isinstance(message, dict) or not isinstance(message.get("message_type"), str):
            raise PayloadError(f"line {n}: expected an object with a message_type")
        out.append((n, message))
    if not out:
        raise PayloadError("body: empty (post the output of restic backup --json)")
    return out


def _summary(
    message: dict[str, Any],
    where: str,
    host: str,
    location: str,
    delivery: Delivery,
    errors: int,
) -> ParsedRun:
    check_text(message, where)
    snapshot = message.get("snapshot_id")
    if not isinstance(snapshot, str) or not snapshot:
        raise PayloadError(f"{where}.snapshot_id: required (a --dry-run stores no snapshot)")
    duration = message.get("total_duration", 0)
    if isinstance(duration, bool) or not isinstance(duration, int | float) or duration < 0:
        raise PayloadError(f"{where}.total_duration: expected seconds >= 0")
    if "backup_end" in message:  # restic 0.17+
        finished = parse_instant(message["backup_end"], f"{where}.backup_end")
    else:
        finished = delivery.received_at
    if "backup_start" in message:
        started = parse_instant(message["backup_start"], f"{where}.backup_start")
    else:
        started = _before(finished, duration, f"{where}.total_duration")
    if finished < started:
        raise PayloadError(f"{where}.backup_end: before backup_start")
    new = check_count(message.get("files_new"), f"{where}.files_new") or 0
    changed = check_count(message.get("files_changed"), f"{where}.files_changed") or 0
    added = check_count(message.get("data_added"), f"{where}.data_added") or 0
    text = f"restic: {new} new, {changed} changed files; {added} bytes added"
    if errors:
        text += f"; {errors} items could not be read (incomplete snapshot)"
    return ParsedRun(
        run_key=check_key(snapshot, f"{where}.snapshot_id"),
        status=SUCCEEDED,
        started_at=started,
        finished_at=finished,
        host=host,
        location=location,
        size_bytes=check_count(
            message.get("total_bytes_processed"), f"{where}.total_bytes_processed"
        ),
        files=check_count(message.get("total_files_processed"), f"{where}.total_files_processed"),
        snapshot=snapshot[:200],
        message=text[:MAX_MESSAGE],
    )


def _failed(
    message: dict[str, Any],
    where: str,
    host: str,
    location: str,
    delivery: Delivery,
    errors: list[dict[str, Any]],
) -> ParsedRun:
    check_text(message, where)
    text = message.get("message")
    if not isinstance(text, str):
        raise PayloadError(f"{where}.message: expected a string")
    code = message.get("code")
    at = delivery.received_at
    return ParsedRun(
        # No snapshot: the run is named after the host and the instant the report arrived.
        run_key=check_key(f"exit:{host}:{int(at.timestamp())}", f"{where}.code"),
        status=FAILED,
        started_at=at,
        finished_at=at,
        host=host,
        location=location,
        message=_failure_text(code, text, len(errors)),
    )


def _failure_text(code: Any, text: str, errors: int) -> str:
    out = f"restic exit code {code}: {text.strip()}"
    if errors:
        out += f" ({errors} items could not be read before)"
    return out[:MAX_MESSAGE]


def _before(at: datetime, seconds: float, where: str) -> datetime:
    return check_instant(at - timedelta(seconds=round(seconds)), where)
