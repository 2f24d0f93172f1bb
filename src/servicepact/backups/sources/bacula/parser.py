"""Bacula: the job report the Director mails at the end of every job (``Messages { mail =
... }`` or ``mailcommand``), posted as text. A digest of several reports is several runs.

The report is a block of ``Key: value`` lines; these are read::

    JobId:                  1234
    Job:                    db01-daily.2025-06-02_01.00.00_03
    Client:                 "db01-fd" 13.0.3 (02Jun23) x86_64-pc-linux-gnu,debian,12
    Start time:             02-Jun-2025 01:00:03
    End time:               02-Jun-2025 01:05:12
    SD Files Written:       1,234
    SD Bytes Written:       5,679,012,345 (5.679 GB)
    Volume name(s):         Vol-0042
    Termination:            Backup OK

``Job`` (unique per Director) is the run's key. The host is the client's name without its
``-fd`` suffix. Bacula writes local times without a zone: they are read in the source's time
zone (``BackupSource.timezone``). ``Backup OK`` (also ``-- with warnings``) and ``Copying OK``
succeeded; any other backup or copy termination failed; a report of another job type
(restore, verify) is rejected on its own.
"""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from servicepact.backups.sources.base import (
    FAILED,
    MAX_MESSAGE,
    SUCCEEDED,
    Delivery,
    ParsedRun,
    PayloadError,
    Rejection,
    Unstorable,
    check_host,
    check_instant,
    check_key,
    check_location,
    check_snapshot,
    check_text,
)

_LINE = re.compile(r"^\s*([A-Za-z][A-Za-z /()-]*?):\s+(.*?)\s*$")
_FORMATS = ("%d-%b-%Y %H:%M:%S", "%Y-%m-%d %H:%M:%S", "%d-%b-%y %H:%M")
_NUMBER = re.compile(r"^([\d,.]+)")


def parse(body: bytes, delivery: Delivery) -> list[ParsedRun | Rejection]:
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise PayloadError(f"body: not UTF-8 ({exc})") from None
    try:
        zone = ZoneInfo(delivery.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise PayloadError(f"timezone: unknown time zone {delivery.timezone!r}") from None
    location = check_location(delivery.location, "query.location")
    reports = _reports(text)
    if not reports:
        raise PayloadError("body: no Bacula job report (no JobId: line)")
    out: list[ParsedRun | Rejection] = []
    for index, fields in enumerate(reports):
        where = f"reports[{index}]"
        try:
            out.append(_run(fields, where, zone, location))
        except Unstorable as exc:
            out.append(Rejection(index=index, field=exc.field, reason=exc.reason))
    return out


def _reports(text: str) -> list[dict[str, str]]:
    """Blocks of ``Key: value`` lines, a new one at each ``JobId:``."""
    reports: list[dict[str, str]] = []
    current: dict[str, str] | None = None
    for line in text.splitlines():
        found = _LINE.match(line)
        if found is None:
            continue
        key, value = found.group(1).strip(), found.group(2)
        if key == "JobId":
            current = {}
            reports.append(current)
        if current is not None and key not in current:
            current[key] = value
    return reports


def _run(fields: dict[str, str], where: str, zone: ZoneInfo, location: str) -> ParsedRun:
    check_text(fields, where)
    for key in ("Job", "Client", "Start time", "End time", "Termination"):
        if not fields.get(key):
            raise PayloadError(f"{where}.{key}: required")
    termination = fields["Termination"]
    plain = termination.replace("*", "").strip()
    if not plain.startswith(("Backup", "Copying")):
        raise Unstorable(f"{where}.Termination", f"not a backup or copy job: {termination!r}")
    status = SUCCEEDED if plain.startswith(("Backup OK", "Copying OK")) else FAILED
    started = _instant(fields["Start time"], f"{where}.Start time", zone)
    finished = _instant(fields["End time"], f"{where}.End time", zone)
    if finished < started:
        raise PayloadError(f"{where}.End time: before Start time")
    client = (
        fields["Client"].split('"')[1] if fields["Client"].startswith('"') else fields["Client"]
    )
    host = client.split()[0] if client.split() else ""
    host = host[:-3] if host.endswith("-fd") else host
    return ParsedRun(
        run_key=check_key(fields["Job"], f"{where}.Job"),
        status=status,
        started_at=started,
        finished_at=finished,
        host=check_host(host, f"{where}.Client"),
        location=location,
        size_bytes=_number(fields, ("SD Bytes Written", "FD Bytes Written"), where),
        files=_number(fields, ("SD Files Written", "FD Files Written"), where),
        snapshot=check_snapshot(fields.get("Volume name(s)", ""), f"{where}.Volume name(s)"),
        message=f"Bacula JobId {fields.get('JobId', '?')}: {termination}"[:MAX_MESSAGE],
    )


def _instant(value: str, where: str, zone: ZoneInfo) -> datetime:
    for fmt in _FORMATS:
        try:
            local = datetime.strptime(value.strip(), fmt)  # noqa: DTZ007 - zone set below
        except ValueError:
            continue
        return check_instant(local.replace(tzinfo=zone), where)
    raise PayloadError(f"{where}: not a Bacula time such as 02-Jun-2025 01:00:03: {value!r}")


def _number(fields: dict[str, str], keys: tuple[str, ...], where: str) -> int | None:
    for key in keys:
        if key in fields:
            found = _NUMBER.match(fields[key])
            if found is None:
                raise PayloadError(f"{where}.{key}: expected a number, got {fields[key]!r}")
            digits = found.group(1).replace(",", "").split(".")[0]
            return int(digits) if digits else None
    return None
