"""Prometheus Alertmanager webhook, payload version "4".

One POST carries a group: ``alerts[]`` each with its own status (firing or resolved), labels,
annotations, startsAt, endsAt ("0001-01-01T00:00:00Z" while firing), generatorURL and
fingerprint. Group fields (receiver, groupKey, groupLabels, commonLabels, externalURL,
truncatedAlerts) are checked for shape but not needed: each alert is complete on its own.
"""

from __future__ import annotations

from typing import Any

from servicepact.monitoring.sources.base import (
    ASSET_LABEL,
    CATEGORY_LABEL,
    FIRING,
    RESOLVED,
    ParsedAlert,
    PayloadError,
    Rejection,
    check_fingerprint,
    each_alert,
    host_candidates,
    label_fingerprint,
    optional,
    outage_flag,
    parse_instant,
    require,
    string_map,
)

# Alertmanager's "zero" time: an alert that has not ended.
_ZERO_TIME = "0001-01-01T00:00:00"


def parse(data: Any) -> list[ParsedAlert | Rejection]:
    if not isinstance(data, dict):
        raise PayloadError("body: expected a JSON object (Alertmanager webhook payload)")
    version = data.get("version")
    if version != "4":
        raise PayloadError(f'version: expected "4" (Alertmanager webhook), got {version!r}')
    require(data, "status", "body", str)
    optional(data, "groupLabels", "body", dict, {})
    optional(data, "commonLabels", "body", dict, {})
    optional(data, "truncatedAlerts", "body", int, 0)
    alerts = require(data, "alerts", "body", list)
    return each_alert(alerts, _alert)


def _alert(item: Any, where: str) -> ParsedAlert:
    if not isinstance(item, dict):
        raise PayloadError(f"{where}: expected an object")
    status = require(item, "status", where, str)
    if status not in (FIRING, RESOLVED):
        raise PayloadError(f"{where}.status: expected firing or resolved, got {status!r}")
    labels = string_map(require(item, "labels", where, dict), f"{where}.labels")
    annotations = string_map(optional(item, "annotations", where, dict, {}), f"{where}.annotations")
    if not labels.get("alertname"):
        raise PayloadError(f"{where}.labels.alertname: required")
    starts_at = parse_instant(require(item, "startsAt", where, str), f"{where}.startsAt")
    ends_at = None
    raw_end = optional(item, "endsAt", where, str, "")
    if raw_end and not raw_end.startswith(_ZERO_TIME):
        ends_at = parse_instant(raw_end, f"{where}.endsAt")
    if status == RESOLVED and ends_at is None:
        raise PayloadError(f"{where}.endsAt: a resolved alert needs its end time")
    fingerprint = optional(item, "fingerprint", where, str, "") or label_fingerprint(labels)
    check_fingerprint(fingerprint, f"{where}.fingerprint")
    return ParsedAlert(
        fingerprint=fingerprint,
        status=status,
        name=labels["alertname"],
        starts_at=starts_at,
        ends_at=ends_at if status == RESOLVED else None,
        severity=labels.get("severity", ""),
        summary=annotations.get("summary", ""),
        description=annotations.get("description", ""),
        url=optional(item, "generatorURL", where, str, ""),
        labels=labels,
        annotations=annotations,
        hosts=host_candidates(labels),
        asset_hint=labels.get(ASSET_LABEL, ""),
        counts_as_outage=outage_flag(labels, f"{where}.labels"),
        category=labels.get(CATEGORY_LABEL, ""),
    )
