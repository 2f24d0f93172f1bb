"""Zabbix, through the ServicePact webhook media type (servicepact_media_type.js).

One POST is one Zabbix event message: a problem ({EVENT.VALUE} = 1), its recovery
({EVENT.VALUE} = 0, same {EVENT.ID}) or an update of the problem ({EVENT.UPDATE.STATUS} = 1,
treated as a repeat). Fields are the media type parameters (docs/monitoring.md, "Zabbix"):
macros arrive as strings, and a macro Zabbix could not expand arrives as its own text
("{EVENT.RECOVERY.TIMESTAMP}") or as "*UNKNOWN*", both of which count as absent.
"""

from __future__ import annotations

import re
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
    host_candidates,
    one_alert,
    outage_flag,
    parse_epoch,
)

_MACRO = re.compile(r"^\{[A-Z0-9_.$]+\}$")

# The parameters the media type sends (and this parser reads); see servicepact_media_type.js.
FIELDS = (
    "event_id",
    "event_value",
    "event_update_status",
    "event_name",
    "event_severity",
    "event_nseverity",
    "event_timestamp",
    "event_recovery_timestamp",
    "event_opdata",
    "event_tags",
    "host_host",
    "host_name",
    "host_ip",
    "trigger_id",
    "trigger_description",
    "zabbix_url",
)


def _text(data: dict[str, Any], key: str) -> str:
    value = data.get(key)
    if value is None:
        return ""
    if not isinstance(value, str | int):
        raise PayloadError(f"body.{key}: expected a string")
    text = str(value).strip()
    if _MACRO.match(text) or text == "*UNKNOWN*":
        return ""
    return text


def _required(data: dict[str, Any], key: str) -> str:
    text = _text(data, key)
    if not text:
        raise PayloadError(f"body.{key}: required (is the media type parameter set?)")
    return text


def _tags(value: Any) -> dict[str, str]:
    """{EVENT.TAGSJSON}: [{"tag": "service", "value": "web"}, ...] -> {"service": "web"}."""
    if value in (None, "", []):
        return {}
    if not isinstance(value, list):
        raise PayloadError("body.event_tags: expected a list of {tag, value} objects")
    tags: dict[str, str] = {}
    for i, item in enumerate(value):
        if not isinstance(item, dict) or not isinstance(item.get("tag"), str):
            raise PayloadError(f"body.event_tags[{i}]: expected {{tag, value}}")
        tags[item["tag"]] = str(item.get("value", ""))
    return tags


def parse(data: Any) -> list[ParsedAlert | Rejection]:
    """One message is one alert: an unstorable one is a ``Rejection`` (index 0)."""
    if not isinstance(data, dict):
        raise PayloadError("body: expected a JSON object (ServicePact Zabbix media type)")
    return [one_alert(0, data, _parse_one, "body")]


def _parse_one(data: dict[str, Any], _where: str) -> ParsedAlert:
    event_id = _required(data, "event_id")
    if not event_id.isdigit():
        raise PayloadError(f"body.event_id: expected a Zabbix event ID, got {event_id!r}")
    check_fingerprint(f"zabbix-event-{event_id}", "body.event_id")
    value = _required(data, "event_value")
    if value not in ("0", "1"):
        raise PayloadError(f"body.event_value: expected 1 (problem) or 0 (recovery), got {value!r}")
    host = _text(data, "host_host") or _text(data, "host_name")
    if not host:
        raise PayloadError("body.host_host: required (the host's technical name)")
    starts_at = parse_epoch(_required(data, "event_timestamp"), "body.event_timestamp")
    ends_at = None
    if value == "0":
        ends_at = parse_epoch(
            _required(data, "event_recovery_timestamp"), "body.event_recovery_timestamp"
        )
    tags = _tags(data.get("event_tags"))
    labels = {
        **tags,
        "hostname": host,
        "host_name": _text(data, "host_name"),
        "host_ip": _text(data, "host_ip"),
        "trigger_id": _text(data, "trigger_id"),
        "event_id": event_id,
        "nseverity": _text(data, "event_nseverity"),
    }
    labels = {k: v for k, v in labels.items() if v}
    zabbix_url, trigger_id = _text(data, "zabbix_url").rstrip("/"), _text(data, "trigger_id")
    url = (
        f"{zabbix_url}/tr_events.php?triggerid={trigger_id}&eventid={event_id}"
        if zabbix_url and trigger_id
        else zabbix_url
    )
    return ParsedAlert(
        # Zabbix keeps {EVENT.ID} (the problem event) in recovery messages: one alert.
        fingerprint=f"zabbix-event-{event_id}",
        status=FIRING if value == "1" else RESOLVED,
        name=_required(data, "event_name"),
        starts_at=starts_at,
        ends_at=ends_at,
        severity=_text(data, "event_severity"),
        summary=_text(data, "event_name"),
        description="\n".join(
            t for t in (_text(data, "event_opdata"), _text(data, "trigger_description")) if t
        ),
        url=url,
        labels=labels,
        hosts=host_candidates({}, host, _text(data, "host_name"), _text(data, "host_ip")),
        asset_hint=tags.get(ASSET_LABEL, ""),
        counts_as_outage=outage_flag(tags, "body.event_tags"),
        category=tags.get(CATEGORY_LABEL, ""),
    )
