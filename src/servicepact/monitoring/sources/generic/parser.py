"""The generic ServicePact alert format (docs/monitoring.md, "Generic JSON").

    {"alerts": [{"id": "...", "status": "firing" | "resolved", "name": "...",
                 "started_at": "RFC 3339", "ended_at": "RFC 3339 (resolved only)",
                 "severity": "...", "host": "...", "asset": "...", "summary": "...",
                 "description": "...", "url": "...", "labels": {...},
                 "outage": true | false, "category": "..."}]}

``id`` is the deduplication key: the same id firing again updates the same alert.
"""

from __future__ import annotations

from typing import Any

from servicepact.monitoring.sources.base import (
    ASSET_LABEL,
    FIRING,
    RESOLVED,
    ParsedAlert,
    PayloadError,
    Rejection,
    check_fingerprint,
    each_alert,
    host_candidates,
    optional,
    outage_flag,
    parse_instant,
    require,
    string_map,
)

_KNOWN = {
    "id",
    "status",
    "name",
    "started_at",
    "ended_at",
    "severity",
    "host",
    "asset",
    "summary",
    "description",
    "url",
    "labels",
    "outage",
    "category",
}


def parse(data: Any) -> list[ParsedAlert | Rejection]:
    if not isinstance(data, dict):
        raise PayloadError('body: expected a JSON object {"alerts": [...]}')
    alerts = require(data, "alerts", "body", list)
    if not alerts:
        raise PayloadError("body.alerts: must not be empty")
    return each_alert(alerts, _alert)


def _alert(item: Any, where: str) -> ParsedAlert:
    if not isinstance(item, dict):
        raise PayloadError(f"{where}: expected an object")
    unknown = sorted(set(item) - _KNOWN)
    if unknown:
        raise PayloadError(f"{where}: unknown fields {', '.join(unknown)} (put extras in labels)")
    fingerprint = require(item, "id", where, str).strip()
    if not fingerprint:
        raise PayloadError(f"{where}.id: 1 to 200 characters")
    check_fingerprint(fingerprint, f"{where}.id")
    status = require(item, "status", where, str)
    if status not in (FIRING, RESOLVED):
        raise PayloadError(f"{where}.status: expected firing or resolved, got {status!r}")
    name = require(item, "name", where, str).strip()
    if not name:
        raise PayloadError(f"{where}.name: must not be empty")
    starts_at = parse_instant(require(item, "started_at", where, str), f"{where}.started_at")
    ends_at = None
    if status == RESOLVED:
        ends_at = parse_instant(require(item, "ended_at", where, str), f"{where}.ended_at")
        if ends_at < starts_at:
            raise PayloadError(f"{where}.ended_at: before started_at")
    labels = string_map(optional(item, "labels", where, dict, {}), f"{where}.labels")
    outage = optional(item, "outage", where, bool, None)
    host = optional(item, "host", where, str, "")
    asset = optional(item, "asset", where, (str, int), "")
    return ParsedAlert(
        fingerprint=fingerprint,
        status=status,
        name=name[:200],
        starts_at=starts_at,
        ends_at=ends_at,
        severity=optional(item, "severity", where, str, ""),
        summary=optional(item, "summary", where, str, ""),
        description=optional(item, "description", where, str, ""),
        url=optional(item, "url", where, str, ""),
        labels=labels,
        hosts=host_candidates(labels, host),
        asset_hint=str(asset) or labels.get(ASSET_LABEL, ""),
        counts_as_outage=outage if outage is not None else outage_flag(labels, f"{where}.labels"),
        category=optional(item, "category", where, str, ""),
    )
