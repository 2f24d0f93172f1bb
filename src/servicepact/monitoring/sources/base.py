"""What every source parser returns, and the checks they share.

A parser is pure: JSON in, ``ParsedAlert`` tuples out, or ``PayloadError`` naming the field
(HTTP 400, nothing stored). Matching, deduplication and tickets happen later (ingest.py).

Two kinds of bad input:

* the payload breaks the source's format (a wrong type, a missing field, a naive timestamp):
  ``PayloadError``, the whole delivery is refused (a sender bug; nothing is stored);
* one alert of a well-formed payload holds what ServicePact cannot store (a NUL character or a
  lone surrogate in any text, a fingerprint over 200 characters, an instant outside
  1970..2999): ``Unstorable``; ``each_alert`` turns it into a ``Rejection`` for that alert
  only, and the others of the delivery are stored (so a sender never retries a poisoned group).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Mapping
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


class Unstorable(PayloadError):
    """One alert holds a value ServicePact cannot store; ``field`` names it."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field, self.reason = field, reason


@dataclass(frozen=True)
class Rejection:
    """An alert of a delivery that was not stored, and why (the API answers these)."""

    index: int
    field: str
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return {"index": self.index, "field": self.field, "reason": self.reason}


# Instants an alert may carry: PostgreSQL and Python both hold more, but arithmetic on them
# (flapping windows, clamping) must not overflow, and nothing monitored happened before 1970.
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(3000, 1, 1, tzinfo=UTC)  # exclusive
MAX_FINGERPRINT = 200  # Alert.fingerprint
_UNSTORABLE_TEXT = re.compile("[\x00\ud800-\udfff]")


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


def each_alert(
    items: list[Any], parse_one: Callable[[Any, str], ParsedAlert], where: str = "alerts"
) -> list[ParsedAlert | Rejection]:
    """Parses every alert; an ``Unstorable`` alert becomes a ``Rejection``, a ``PayloadError``
    still refuses the whole delivery."""
    checked = plainly_storable(items)
    out: list[ParsedAlert | Rejection] = []
    for i, item in enumerate(items):
        out.append(one_alert(i, item, parse_one, f"{where}[{i}]", checked=checked))
    return out


def one_alert(
    index: int,
    item: Any,
    parse_one: Callable[[Any, str], ParsedAlert],
    where: str,
    *,
    checked: bool = False,
) -> ParsedAlert | Rejection:
    """``parse_one(item)``, or the ``Rejection`` of an unstorable alert; ``checked``: the
    caller knows already that no text of ``item`` is unstorable (``plainly_storable``)."""
    try:
        if not checked:
            check_text(item, where)
        return parse_one(item, where)
    except Unstorable as exc:
        return Rejection(index=index, field=exc.field, reason=exc.reason)


# What ``json.dumps`` (ASCII output) writes for a NUL character or a surrogate code point.
_ESCAPED_UNSTORABLE = re.compile(r"\\u(?:0000|d[89a-f])")


def plainly_storable(value: Any) -> bool:
    """True when no key or string anywhere in ``value`` holds a NUL character or a
    surrogate, decided at C speed: ASCII JSON writes each of them as an escape, and the
    other escapes it writes never look like theirs. False means "walk it": a valid emoji
    (written as a surrogate pair), a text holding a backslash then "u0000", or a value JSON
    cannot write — ``check_text`` then looks at each string and names the field."""
    try:
        return _ESCAPED_UNSTORABLE.search(json.dumps(value)) is None
    except (TypeError, ValueError, RecursionError):
        return False


def check_text(value: Any, where: str) -> None:
    """No NUL character and no lone surrogate in any key or string (PostgreSQL stores
    neither in text nor in jsonb; UTF-8 cannot encode a surrogate).

    Every alert of every delivery passes here unless ``plainly_storable`` cleared its
    delivery: the walk first looks without building a path; only an alert that holds such a
    string is walked again to name where."""
    if _storable(value):
        return
    _name_unstorable(value, where)


def _storable(value: Any) -> bool:
    if isinstance(value, str):
        return _UNSTORABLE_TEXT.search(value) is None
    if isinstance(value, dict):
        return all(
            _UNSTORABLE_TEXT.search(key) is None if isinstance(key, str) else _storable(key)
            for key in value
        ) and all(_storable(item) for item in value.values())
    if isinstance(value, list):
        return all(_storable(item) for item in value)
    return True


def _name_unstorable(value: Any, where: str) -> None:
    if isinstance(value, str):
        if _UNSTORABLE_TEXT.search(value):
            raise Unstorable(where, "contains a NUL character or an invalid code point")
    elif isinstance(value, dict):
        for key, item in value.items():
            _name_unstorable(key, f"{where} (a key)")
            _name_unstorable(item, f"{where}.{key}")
    elif isinstance(value, list):
        for i, item in enumerate(value):
            _name_unstorable(item, f"{where}[{i}]")


def check_fingerprint(fingerprint: str, where: str) -> str:
    if len(fingerprint) > MAX_FINGERPRINT:
        raise Unstorable(where, f"at most {MAX_FINGERPRINT} characters, got {len(fingerprint)}")
    return fingerprint


def check_instant(at: datetime, where: str) -> datetime:
    if not EARLIEST <= at < LATEST:
        raise Unstorable(where, f"{at.isoformat()} is outside 1970..2999")
    return at


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


_STR = {str}


def string_map(value: Any, where: str) -> dict[str, str]:
    if not isinstance(value, dict):
        raise PayloadError(f"{where}: expected an object of strings")
    kinds = set(map(type, value.values()))
    kinds.update(map(type, value))
    if kinds <= _STR:  # the usual map (C-speed check and copy); else each value converted
        return dict(value)
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
    try:
        at = parsed.astimezone(UTC)
    except OverflowError:  # 0001-01-01T00:00:00+01:00
        raise Unstorable(where, f"{value!r} is outside 1970..2999") from None
    return check_instant(at, where)


def parse_epoch(value: Any, where: str) -> datetime:
    """A UNIX timestamp (seconds), as a number or a string of digits."""
    text = str(value).strip() if isinstance(value, str | int) else ""
    if not (text.isascii() and text.isdigit()):
        raise PayloadError(f"{where}: expected a UNIX timestamp in seconds, got {value!r}")
    seconds = int(text)
    if not EARLIEST.timestamp() <= seconds < LATEST.timestamp():
        raise Unstorable(where, f"{text} is outside 1970..2999")
    return datetime.fromtimestamp(seconds, tz=UTC)


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
