"""Imports, all or nothing: a scanner's CSV of findings, and OSV advisories (JSON).

Scanner CSV (UTF-8, a header row, comma-separated; docs/security-management.md)::

    cve_id,title,cvss_vector,asset,detected_at,description
    CVE-2024-6387,OpenSSH regreSSHion,CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:H/A:H,web-01,2025-06-03T08:00:00+00:00,

``asset`` is the hostname of one of the contract's customer's assets (several: separated
by ``;``); ``detected_at`` is optional (ISO 8601 with an offset; default: now) and starts
the deadline; ``description`` is optional. Every row is checked before anything is stored:
one bad row and the whole file is refused, with each problem named by line and column
(``lines[3].cvss_vector``; the header is line 1).

OSV (https://ossf.github.io/osv-schema/): one record, a list of records, or
``{"vulns": [...]}``. The CVE id comes from ``id`` or ``aliases``; the CVSS v3.1 vector
from ``severity`` (type ``CVSS_V3``); the software and affected versions from the first
``affected`` package (its ``ranges`` events and ``versions``). With a contract, the
contract's assets running an affected version (``security.matching``) get a vulnerability.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from servicepact.accounts.actors import Actor
from servicepact.assets.configuration import current_software
from servicepact.assets.models import Asset
from servicepact.contracts.models import Contract
from servicepact.core.errors import DomainValidationError
from servicepact.security.choices import Source
from servicepact.security.cvss import parse_vector
from servicepact.security.matching import (
    SoftwareRow,
    affected_from_json,
    asset_rows,
    match_rows,
    osv_ranges,
)
from servicepact.security.models import Advisory, Vulnerability
from servicepact.security.services import create_advisory, report_vulnerability, validate_cve_id

CSV_COLUMNS = ("cve_id", "title", "cvss_vector", "asset", "detected_at", "description")
REQUIRED = ("cve_id", "title", "cvss_vector", "asset")
MAX_ROWS = 5000


@dataclass
class ImportResult:
    advisories: list[Advisory] = field(default_factory=list)
    vulnerabilities: list[Vulnerability] = field(default_factory=list)


@dataclass
class _Row:
    line: int
    cve_id: str
    title: str
    vector: str
    assets: list[Asset]
    detected_at: datetime | None
    description: str


def _parse_rows(text: str, contract: Contract) -> list[_Row]:
    if "\x00" in text:
        raise DomainValidationError({"file": [_("the file contains NUL characters")]})
    try:
        return _read_rows(text, contract)
    except csv.Error as exc:
        raise DomainValidationError(
            {"file": [_("not a readable CSV file: %(reason)s") % {"reason": str(exc)}]}
        ) from exc


def _read_rows(text: str, contract: Contract) -> list[_Row]:
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip() for h in (reader.fieldnames or [])]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise DomainValidationError(
            {"lines[1]": [_("missing columns: %(columns)s") % {"columns": ", ".join(missing)}]}
        )
    reader.fieldnames = header
    hosts = dict(
        Asset.objects.filter(customer_id=contract.customer_id).values_list("hostname", "pk")
    )
    by_pk = {a.pk: a for a in Asset.objects.filter(pk__in=hosts.values())}
    errors: dict[str, list[str]] = {}
    rows: list[_Row] = []
    for index, record in enumerate(reader):
        line = reader.line_num
        if index >= MAX_ROWS:
            raise DomainValidationError(
                {"file": [_("at most %(n)d rows per file") % {"n": MAX_ROWS}]}
            )
        value = {k: (record.get(k) or "").strip() for k in CSV_COLUMNS}

        def problem(column: str, message: str, line: int = line) -> None:
            errors.setdefault(f"lines[{line}].{column}", []).append(message)

        try:
            cve = validate_cve_id(value["cve_id"])
        except DomainValidationError as exc:
            cve = ""
            problem("cve_id", exc.errors["cve_id"][0])
        if not value["title"]:
            problem("title", _("this field is required"))
        try:
            parse_vector(value["cvss_vector"])
        except DomainValidationError as exc:
            problem("cvss_vector", exc.errors["cvss_vector"][0])
        names = [n.strip() for n in value["asset"].split(";") if n.strip()]
        unknown = [n for n in names if n not in hosts]
        if not names:
            problem("asset", _("this field is required"))
        elif unknown:
            problem(
                "asset",
                _("no asset of the customer is called %(names)s") % {"names": ", ".join(unknown)},
            )
        detected = None
        if value["detected_at"]:
            detected = parse_datetime(value["detected_at"])
            if detected is None or detected.tzinfo is None:
                problem(
                    "detected_at",
                    _("expected ISO 8601 with an offset, e.g. 2025-06-03T08:00:00+00:00"),
                )
                detected = None
        rows.append(
            _Row(
                line=line,
                cve_id=cve,
                title=value["title"],
                vector=value["cvss_vector"],
                assets=[by_pk[hosts[n]] for n in names if n in hosts],
                detected_at=detected,
                description=value["description"],
            )
        )
    if errors:
        raise DomainValidationError(errors)
    if not rows:
        raise DomainValidationError({"file": [_("the file has no rows")]})
    return rows


def import_scanner_csv(*, text: str, contract: Contract, actor: Actor = None) -> ImportResult:
    """Every row becomes (or adds assets to) a vulnerability on ``contract``; nothing is
    stored if any row is wrong."""
    rows = _parse_rows(text, contract)
    result = ImportResult()
    with transaction.atomic():
        for row in rows:
            advisory = create_advisory(
                cve_id=row.cve_id,
                title=row.title,
                cvss_vector=row.vector,
                description=row.description,
                source=Source.SCANNER,
            )
            item = report_vulnerability(
                advisory=advisory,
                contract=contract,
                assets=row.assets,
                reported_at=row.detected_at,
                source=Source.SCANNER,
                actor=actor,
            )
            result.advisories.append(advisory)
            if item not in result.vulnerabilities:
                result.vulnerabilities.append(item)
    return result


# ------------------------------------------------------------------ OSV


def osv_records(data: Any) -> list[Mapping[str, Any]]:
    if isinstance(data, Mapping) and isinstance(data.get("vulns"), list):
        data = data["vulns"]
    records = data if isinstance(data, list) else [data]
    if not records or not all(isinstance(r, Mapping) for r in records):
        raise DomainValidationError(
            {"body": [_('expected an OSV record, a list of records or {"vulns": [...]}')]}
        )
    return records


def _list(value: Any) -> list[Any]:
    """A JSON list as given, anything else (a string, a number, null) as empty."""
    return value if isinstance(value, list) else []


def _dicts(value: Any) -> list[Mapping[str, Any]]:
    return [v for v in _list(value) if isinstance(v, Mapping)]


def _cve_of(record: Mapping[str, Any]) -> str:
    ids = [str(record.get("id", ""))] + [str(a) for a in _list(record.get("aliases"))]
    return next((i.upper() for i in ids if i.upper().startswith("CVE-")), "")


def _vector_of(record: Mapping[str, Any]) -> str:
    scores = _dicts(record.get("severity"))
    for affected in _dicts(record.get("affected")):
        scores += _dicts(affected.get("severity"))
    for score in scores:
        if score.get("type") == "CVSS_V3":
            return str(score.get("score", ""))
    return ""


def _affected_of(record: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    entries = _dicts(record.get("affected"))
    if not entries:
        return "", {}

    def package(entry: Mapping[str, Any]) -> str:
        found = entry.get("package")
        return str(found.get("name", ""))[:200] if isinstance(found, Mapping) else ""

    name = package(entries[0])
    ranges: list[dict[str, str]] = []
    versions: list[str] = []
    for entry in entries:
        if package(entry) != name:
            continue
        for r in _dicts(entry.get("ranges")):
            if r.get("type") in ("ECOSYSTEM", "SEMVER"):
                ranges += osv_ranges(_dicts(r.get("events")))
        versions += [str(v) for v in _list(entry.get("versions"))]
    return name, {"ranges": ranges, "versions": versions}


def contract_assets(contract: Contract) -> Iterable[Asset]:
    return Asset.objects.filter(contract_lines__contract=contract).distinct().order_by("pk")


def installed_rows(assets: Sequence[Asset]) -> list[SoftwareRow]:
    """What the assets run now: their configuration records (firmware, BIOS, OS, drivers and
    software with versions, ``assets.configuration``), and the assets' own fields
    (``matching.asset_rows``) for assets nobody has recorded a configuration for yet."""
    records = current_software(a.pk for a in assets)
    rows = [
        SoftwareRow(c.asset_id, c.name, c.version)
        for components in records.values()
        for c in components
    ]
    return [*rows, *asset_rows([a for a in assets if a.pk not in records])]


def import_osv(*, data: Any, contract: Contract | None = None, actor: Actor = None) -> ImportResult:
    """Advisories from OSV records; with ``contract``, vulnerabilities on its matching assets.
    A record without a CVSS v3.1 vector or a usable id refuses the whole import."""
    records = osv_records(data)
    errors: dict[str, list[str]] = {}
    for i, record in enumerate(records):
        if not str(record.get("id", "")).strip():
            errors[f"records[{i}].id"] = [_("this field is required")]
        try:
            parse_vector(_vector_of(record), field=f"records[{i}].severity")
        except DomainValidationError as exc:
            errors.update(exc.errors)
        if record.get("withdrawn"):
            errors[f"records[{i}].withdrawn"] = [_("a withdrawn advisory is not imported")]
    if errors:
        raise DomainValidationError(errors)
    result = ImportResult()
    # The contract's assets and what they run: read once, at the first record that needs it.
    assets: list[Asset] = []
    installed: list[SoftwareRow] | None = None
    with transaction.atomic():
        for i, record in enumerate(records):
            name, affected = _affected_of(record)
            try:
                published = parse_datetime(str(record.get("published", "")))
            except ValueError:  # well-formed but impossible (month 13): not given
                published = None
            try:
                advisory = create_advisory(
                    cve_id=_cve_of(record),
                    osv_id=str(record["id"]),
                    title=str(record.get("summary") or record["id"])[:300],
                    cvss_vector=_vector_of(record),
                    description=str(record.get("details", ""))[:5000],
                    software_name=name,
                    affected=affected,
                    source=Source.OSV,
                    source_detail=str(record["id"]),
                    published_at=published if published and published.tzinfo else None,
                )
            except DomainValidationError as exc:
                raise DomainValidationError(
                    {f"records[{i}].{k}": v for k, v in exc.errors.items()}
                ) from exc
            result.advisories.append(advisory)
            if contract is None or not name:
                continue
            if installed is None:
                assets = list(contract_assets(contract))
                installed = installed_rows(assets)
            hits = match_rows(name, affected_from_json(affected), installed)
            if hits:
                result.vulnerabilities.append(
                    report_vulnerability(
                        advisory=advisory,
                        contract=contract,
                        assets=[a for a in assets if a.pk in hits],
                        source=Source.OSV,
                        actor=actor,
                    )
                )
    return result
