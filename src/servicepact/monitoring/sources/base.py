"""What every source parser returns, and the checks they share.

A parser is pure: JSON in, ``ParsedAlert`` tuples out, or ``PayloadError`` naming the field
(HTTP 400, nothing stored). Matching, deduplication and tickets happen later (ingest.py).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

FIRING, RESOLVED = "firing", "resolved"

# Labels with these names never become hostnames to match; the explicit asset label does.
ASSET_LABEL = "servicepact_asset"
OUTAGE_LABEL = "servicepact_outage"
CATEGORY_LABEL = "servicepact_category"
HOST_LABELS = ("hostname", "host", "nodename", "instance")


class PayloadError(ValueError):
    """A payload this source's format does not allow; the message names the field."""


@dataclass(frozen=True)
class ParsedAlert:
    fingerprint: str
    status: str  # "firing" | "resolved"
    name: str
    starts_at: datetime
    ends_at: datetime | None = None  # set for resolved alerts
    severity: str = ""
    summary: str = ""
    description: str = ""
    url: str = ""
    labels: dict[str, str] = field(default_factory=dict)
    annotations: dict[str, str] = field(default_factory=dict)
    hosts: tuple[str, ...] = ()  # hostnames / host:port / addresses to match, best first
    asset_hint: str = ""  # explicit asset id or hostname (servicepact_asset)
    counts_as_outage: bool | None = None  # explicit override (servicepact_outage label)
    category: str = ""


def require(mapping: Mapping[str, Any], key: str, where: str, kind: type | tuple[type, ...]) -> Any:
    if key not in mapping or mapping[key] is None:
        raise PayloadError(f"{where}.{key}: required")
    value = mapping[key]
    if not isinstance(value, kind):
        raise PayloadError(f"{where}.{key}: expected {_kind_name(kind)}")
    return value


def optional(
    mapping: Mapping[str, Any], key: str, where: str, kind: type | tuple[type, ...], default: Any
) -> Any:
    value = mapping.get(key)
    if value is None:
        return default
    if not isinstance(value, kind):
        raise PayloadError(f"{where}.{key}: expected {_kind_name(kind)}")
    return value


def _kind_name(kind: type | tuple[type, ...]) -> str:
    names = {
        dict: "an object",
        list: "a list",
        str: "a string",
        int: "a number",
        bool: "true/false",
    }
    kinds = kind if isinstance(kind, tuple) else (kind,)
    return " or ".join(names.get(k, k.__name__) for k in kinds)


def string_map(value: Any, where: str) -> dict[str, str]:
    if not isinstance(value, dict):
        raise PayloadError(f"{where}: expected an object of strings")
    out: dict[str, str] = {}
    for key, item in value.items():
        if not isinstance(item, str | int | float | bool):
            raise PayloadError(f"{where}.{key}: expected a string")
        out[str(key)] = str(item)
    return out


_FRACTION = re.compile(r"(\.\d+)")


def parse_instant(value: Any, where: str) -> datetime:
    """An RFC 3339 instant with an offset; fractions are dropped (precision: seconds)."""
    if not isinstance(value, str) or not value.strip():
        raise PayloadError(f"{where}: expected an RFC 3339 timestamp")
    text = _FRACTION.sub("", value.strip(), count=1)
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError as exc:
        raise PayloadError(f"{where}: not an RFC 3339 timestamp: {value!r}") from exc
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        raise PayloadError(f"{where}: timestamp {value!r} has no UTC offset")
    return parsed.astimezone(UTC)


def parse_epoch(value: Any, where: str) -> datetime:
    """A UNIX timestamp (seconds), as a number or a string of digits."""
    text = str(value).strip() if isinstance(value, str | int) else ""
    if not text.isdigit():
        raise PayloadError(f"{where}: expected a UNIX timestamp in seconds, got {value!r}")
    return datetime.fromtimestamp(int(text), tz=UTC)


def outage_flag(labels: Mapping[str, str], where: str) -> bool | None:
    raw = labels.get(OUTAGE_LABEL)
    if raw is None:
        return None
    text = raw.strip().lower()
    if text in {"true", "yes", "1"}:
        return True
    if text in {"false", "no", "0"}:
        return False
    raise PayloadError(f"{where}.{OUTAGE_LABEL}: expected true or false, got {raw!r}")


def host_candidates(labels: Mapping[str, str], *first: str) -> tuple[str, ...]:
    seen: list[str] = []
    for value in (*first, *(labels.get(k, "") for k in HOST_LABELS)):
        value = value.strip()
        if value and value not in seen:
            seen.append(value)
    return tuple(seen)


def label_fingerprint(labels: Mapping[str, str]) -> str:
    """A stable fingerprint from labels, for senders that give none."""
    text = json.dumps(dict(sorted(labels.items())), separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:16]
