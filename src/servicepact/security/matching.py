"""Which assets run an affected version of a piece of software (pure: no database).

``match_rows(name, ranges, rows)`` takes the software name of an advisory, its affected
ranges (the OSV shape: ``introduced`` / ``fixed`` / ``last_affected`` events, and explicit
``versions``) and any iterable of ``SoftwareRow(asset_id, name, version)``, and returns the
asset ids whose version is affected. Names compare case-insensitively; versions compare as
PEP 440 versions (``packaging``) when both sides parse, else by a natural order of their
numeric and text parts (``1.1.1n`` < ``1.1.1t``, ``2.4.57-1+deb12u1`` < ``2.4.58``).

Where the rows come from is the caller's: today ``asset_rows`` reads the assets' own fields
(``model`` with a ``firmware`` label, and every other label as software name -> version);
configuration records per asset (the changes app's version management) plug in as another
row source without touching the rule.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from packaging.version import InvalidVersion, Version


@dataclass(frozen=True)
class SoftwareRow:
    asset_id: int
    name: str
    version: str


@dataclass(frozen=True)
class AffectedRange:
    """[introduced, fixed) or [introduced, last_affected]; an empty bound is open."""

    introduced: str = ""
    fixed: str = ""
    last_affected: str = ""


@dataclass(frozen=True)
class Affected:
    ranges: tuple[AffectedRange, ...] = ()
    versions: frozenset[str] = field(default_factory=frozenset)


_PART = re.compile(r"\d+|[A-Za-z]+")


def _natural(text: str) -> tuple[tuple[int, int | str], ...]:
    # Numbers sort before words at the same position ("1.0" < "1.0a" is not assumed: 0 < a).
    return tuple((0, int(p)) if p.isdigit() else (1, p.lower()) for p in _PART.findall(text))


def compare(a: str, b: str) -> int:
    """-1, 0 or 1 as version ``a`` is before, equal to or after ``b``."""
    try:
        va, vb = Version(a), Version(b)
    except InvalidVersion:
        na, nb = _natural(a), _natural(b)
        return (na > nb) - (na < nb)
    return (va > vb) - (va < vb)


def in_range(version: str, r: AffectedRange) -> bool:
    introduced = r.introduced if r.introduced not in ("", "0") else ""
    if introduced and compare(version, introduced) < 0:
        return False
    if r.fixed and compare(version, r.fixed) >= 0:
        return False
    if r.last_affected and compare(version, r.last_affected) > 0:
        return False
    return bool(introduced or r.fixed or r.last_affected or r.introduced == "0")


def is_affected(version: str, affected: Affected) -> bool:
    v = version.strip()
    if not v:
        return False
    if v in affected.versions:
        return True
    return any(in_range(v, r) for r in affected.ranges)


def match_rows(name: str, affected: Affected, rows: Iterable[SoftwareRow]) -> list[int]:
    """The asset ids (sorted, once each) of the rows naming ``name`` at an affected version."""
    wanted = name.strip().casefold()
    hits = {
        row.asset_id
        for row in rows
        if row.name.strip().casefold() == wanted and is_affected(row.version, affected)
    }
    return sorted(hits)


def affected_from_json(data: Mapping[str, Any]) -> Affected:
    """An ``Affected`` from the stored JSON (``{"ranges": [{"introduced": ..}], "versions": []}``)."""
    ranges = tuple(
        AffectedRange(
            introduced=str(r.get("introduced", "")),
            fixed=str(r.get("fixed", "")),
            last_affected=str(r.get("last_affected", "")),
        )
        for r in data.get("ranges", [])
    )
    return Affected(ranges=ranges, versions=frozenset(str(v) for v in data.get("versions", [])))


def osv_ranges(events: Sequence[Mapping[str, str]]) -> list[dict[str, str]]:
    """OSV range events (in order) as closed pieces: each ``introduced`` opens a range that
    the next ``fixed`` or ``last_affected`` closes (an unclosed one stays open-ended)."""
    out: list[dict[str, str]] = []
    current: dict[str, str] | None = None
    for event in events:
        if "introduced" in event:
            current = {"introduced": str(event["introduced"])}
            out.append(current)
        elif current is not None and ("fixed" in event or "last_affected" in event):
            key = "fixed" if "fixed" in event else "last_affected"
            current[key] = str(event[key])
            current = None
    return out


def asset_rows(assets: Iterable[Any]) -> Iterator[SoftwareRow]:
    """The software rows today's asset fields give: the model at its ``firmware`` label, and
    every other string label as a software name at a version (``{"openssl": "3.0.7"}``)."""
    for asset in assets:
        labels = asset.labels if isinstance(asset.labels, dict) else {}
        firmware = labels.get("firmware")
        if asset.model and isinstance(firmware, str):
            yield SoftwareRow(asset.pk, asset.model, firmware)
        for key, value in labels.items():
            if key != "firmware" and isinstance(value, str):
                yield SoftwareRow(asset.pk, str(key), value)
