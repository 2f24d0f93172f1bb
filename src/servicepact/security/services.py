"""Every write of the security app: advisories, vulnerabilities, audits, findings, reports.

Each function is one transaction; a state change locks the item, checks the transition table
(``choices.ALLOWED``), appends an immutable ``RemediationEvent`` and re-derives the clock
(``security.clocks``). A decided clock (met, or breached) records one patch-deadline or
rectification measurement, so the statement's KPI rows count it.
"""

from __future__ import annotations

import mimetypes
import re
from collections.abc import Iterable, Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile, File
from django.db import transaction
from django.utils.translation import gettext as _

from servicepact.accounts.actors import Actor
from servicepact.assets.models import Asset
from servicepact.changes.models import Change
from servicepact.contracts.choices import KPI_UNITS
from servicepact.contracts.models import Contract
from servicepact.contracts.terms import version_in_force
from servicepact.core.errors import DomainValidationError, TransitionError
from servicepact.core.time import now as current_time
from servicepact.customers.selectors import contact_for, is_staff
from servicepact.monitoring.models import Measurement
from servicepact.security import clocks
from servicepact.security.audits import schedule_next
from servicepact.security.choices import (
    AuditKind,
    AuditStatus,
    CvssSeverity,
    RemediationAction,
    RemediationState,
    Source,
    allowed,
)
from servicepact.security.cvss import parse_vector
from servicepact.security.models import (
    Advisory,
    Finding,
    Remediation,
    RemediationEvent,
    SecurityAudit,
    SecurityBreachCredit,
    Vulnerability,
)
from servicepact.slaclock import ClockResult
from servicepact.tickets.attachments import check_size, safe_name

CVE_ID = re.compile(r"^CVE-\d{4}-\d{4,19}$")
TEXT_MAX = 5000

Item = Vulnerability | Finding  # a remediation item (security.models.Remediation)


def validate_cve_id(value: str, *, field: str = "cve_id") -> str:
    """``CVE-YYYY-NNNN`` (four or more digits, MITRE's syntax since 2014), upper-cased."""
    text = (value or "").strip().upper()
    if not CVE_ID.match(text):
        raise DomainValidationError(
            {field: [_("not a CVE id: expected CVE-YYYY-NNNN (four or more digits)")]}
        )
    return text


def _aware(value: datetime, field: str) -> datetime:
    """An aware instant not in the future, else a field error (never a 500)."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise DomainValidationError({field: [_("must be an aware instant (with a UTC offset)")]})
    if value > current_time():
        raise DomainValidationError({field: [_("must not be in the future")]})
    return value


def _text(value: str, field: str, *, required: bool = False, limit: int = TEXT_MAX) -> str:
    text = (value or "").strip()
    if required and not text:
        raise DomainValidationError({field: [_("this field is required")]})
    if len(text) > limit:
        raise DomainValidationError({field: [_("at most %(limit)d characters") % {"limit": limit}]})
    return text


# ------------------------------------------------------------------ advisories


def create_advisory(
    *,
    cve_id: str,
    title: str,
    cvss_vector: str,
    description: str = "",
    software_name: str = "",
    affected: Mapping[str, Any] | None = None,
    source: str = Source.MANUAL,
    source_detail: str = "",
    osv_id: str = "",
    published_at: datetime | None = None,
    now: datetime | None = None,
) -> Advisory:
    """A new advisory, or the stored one with the same CVE id (its vector and title updated)."""
    errors: dict[str, list[str]] = {}
    values: dict[str, Any] = {}
    for name, check in (
        ("cve_id", lambda: validate_cve_id(cve_id) if cve_id or not osv_id else ""),
        ("title", lambda: _text(title, "title", required=True, limit=300)),
        ("cvss_vector", lambda: parse_vector(cvss_vector)),
        ("description", lambda: _text(description, "description")),
        ("software_name", lambda: _text(software_name, "software_name", limit=200)),
    ):
        try:
            values[name] = check()
        except DomainValidationError as exc:
            errors.update(exc.errors)
    if errors:
        raise DomainValidationError(errors)
    if published_at is not None:
        _aware(published_at, "published_at")
    score = values["cvss_vector"]
    fields = {
        "title": values["title"],
        "description": values["description"],
        "cvss_vector": score.vector,
        "base_score": score.base_score,
        "severity": score.severity,
        "software_name": values["software_name"],
        "affected": dict(affected or {}),
        "source": source,
        "source_detail": source_detail[:200],
        "published_at": published_at,
    }
    with transaction.atomic():
        lookup = {"cve_id": values["cve_id"]} if values["cve_id"] else {"osv_id": osv_id}
        advisory = Advisory.objects.select_for_update().filter(**lookup).first()
        if advisory is None:
            return Advisory.objects.create(
                cve_id=values["cve_id"],
                osv_id=osv_id[:100],
                created_at=now or current_time(),
                **fields,
            )
        for key, value in fields.items():
            setattr(advisory, key, value)
        if osv_id and not advisory.osv_id:
            advisory.osv_id = osv_id[:100]
        advisory.save()
        return advisory


# ------------------------------------------------------------------ remediation items


def _append(item: Remediation, kind: str, *, at: datetime, actor: Actor, note: str = "") -> None:
    link = {"vulnerability": item} if isinstance(item, Vulnerability) else {"finding": item}
    RemediationEvent.objects.create(
        kind=kind, at=at, actor=actor if getattr(actor, "pk", None) else None, note=note, **link
    )


def refresh(item: Item, *, now: datetime | None = None) -> Item:
    """Re-derives the item's clock from its events and stores it; records the measurement
    once the clock is decided (met or breached). The caller holds the row's lock."""
    moment = now or current_time()
    events = list(item.events.order_by("at", "id"))
    result = clocks.apply(item, events, moment)
    if result is not None and item.measurement_id is None:
        _measure(item, result)
    item.save()
    return item


def _measure(item: Remediation, result: ClockResult) -> None:
    if item.clock_status not in ("met", "breached"):
        return
    commitment = clocks.commitment_for(item)
    if commitment is None:
        return
    breached = item.clock_status == "breached"
    at = result.breached_at if breached and item.is_open else result.stopped_at
    hours = (Decimal(result.elapsed_seconds) / Decimal(3600)).quantize(Decimal("0.0001"))
    item.measurement = Measurement.objects.create(
        contract_id=item.contract_id,
        kind=commitment.kind,
        value=hours,
        unit=KPI_UNITS[commitment.kind],
        measured_at=at or current_time(),
        commitment=commitment,
        target=commitment.target,
        met=not breached,
        note=f"{item.number} ({item.severity})",  # type: ignore[attr-defined]
    )


def _open(item: Item, *, at: datetime, actor: Actor) -> Item:
    item.contract_version = version_in_force(item.contract, at)
    item.save()
    _append(item, clocks.REPORTED, at=at, actor=actor)
    return refresh(item, now=max(at, current_time()))


def _assets_of(contract: Contract, assets: Iterable[Asset], field: str = "assets") -> list[Asset]:
    rows = list(assets)
    foreign = sorted(a.hostname for a in rows if a.customer_id != contract.customer_id)
    if foreign:
        raise DomainValidationError(
            {
                field: [
                    _("not assets of the contract's customer: %(names)s")
                    % {"names": ", ".join(foreign)}
                ]
            }
        )
    return rows


@transaction.atomic
def report_vulnerability(
    *,
    advisory: Advisory,
    contract: Contract,
    assets: Iterable[Asset] = (),
    reported_at: datetime | None = None,
    source: str = Source.MANUAL,
    actor: Actor = None,
) -> Vulnerability:
    """The advisory applies to the contract's assets: its deadline starts at ``reported_at``.
    The same advisory on the same contract again adds the assets to the open item."""
    at = _aware(reported_at, "reported_at") if reported_at else current_time()
    rows = _assets_of(contract, assets)
    existing = Vulnerability.objects.select_for_update().filter(
        advisory=advisory, contract=contract
    )
    item = existing.first()
    if item is not None:
        item.assets.add(*rows)
        return item
    item = Vulnerability.objects.create(
        advisory=advisory,
        contract=contract,
        customer_id=contract.customer_id,
        severity=advisory.severity,
        reported_at=at,
        source=source,
    )
    item.assets.set(rows)
    opened = _open(item, at=at, actor=actor)
    assert isinstance(opened, Vulnerability)
    return opened


def _lock(item: Item) -> Item:
    if isinstance(item, Vulnerability):
        return Vulnerability.objects.select_for_update().get(pk=item.pk)
    return Finding.objects.select_for_update().get(pk=item.pk)


def _check(item: Remediation, action: str) -> None:
    if not allowed(action, item.state):
        raise TransitionError(
            _("%(number)s is %(state)s: it cannot be %(action)s")
            % {
                "number": item.number,  # type: ignore[attr-defined]
                "state": item.get_state_display(),
                "action": RemediationAction(action).label,
            }
        )


def _staff_only(actor: Actor) -> None:
    if not is_staff(actor):
        raise PermissionDenied(_("only provider staff record this"))


def _when(at: datetime | None, field: str = "at") -> datetime:
    return _aware(at, field) if at else current_time()


@transaction.atomic
def mitigate(*, item: Item, mitigation: str, actor: Actor, at: datetime | None = None) -> Item:
    """A workaround is in place (the text says which); the clock keeps running."""
    _staff_only(actor)
    text = _text(mitigation, "mitigation", required=True)
    item = _lock(item)
    _check(item, RemediationAction.MITIGATE)
    moment = _when(at)
    item.state, item.mitigation = RemediationState.MITIGATED, text
    _append(item, clocks.MITIGATED, at=moment, actor=actor, note=text)
    return refresh(item, now=max(moment, current_time()))


@transaction.atomic
def mark_patched(
    *, item: Item, actor: Actor, change: Change | None = None, at: datetime | None = None
) -> Item:
    """Remediated (by ``change``, when a change did it): the clock stops, met or breached."""
    _staff_only(actor)
    item = _lock(item)
    _check(item, RemediationAction.PATCH)
    if change is not None and change.customer_id != item.customer_id:
        raise DomainValidationError({"change": [_("a change of another customer")]})
    moment = _when(at)
    if moment < item.reported_at:
        raise DomainValidationError({"at": [_("before the item was reported")]})
    item.state, item.patched_change, item.closed_at = RemediationState.PATCHED, change, moment
    _append(item, clocks.PATCHED, at=moment, actor=actor, note=change.number if change else "")
    return refresh(item, now=max(moment, current_time()))


@transaction.atomic
def accept_risk(*, item: Item, note: str, actor: Actor, at: datetime | None = None) -> Item:
    """The customer signs the risk off (a contact of the item's customer, in the portal or the
    API): the clock pauses and cannot breach while the acceptance stands."""
    contact = contact_for(actor)
    if contact is None or contact.customer_id != item.customer_id:
        raise PermissionDenied(_("only a contact of the customer can accept the risk"))
    text = _text(note, "note", required=True)
    item = _lock(item)
    _check(item, RemediationAction.ACCEPT_RISK)
    moment = _when(at)
    item.state = RemediationState.ACCEPTED_RISK
    item.accepted_by, item.accepted_at, item.acceptance_note = actor, moment, text
    _append(item, clocks.RISK_ACCEPTED, at=moment, actor=actor, note=text)
    return refresh(item, now=max(moment, current_time()))


@transaction.atomic
def reopen(*, item: Item, actor: Actor, note: str = "", at: datetime | None = None) -> Item:
    """The accepted risk no longer stands: the clock resumes with the time it had left."""
    _staff_only(actor)
    item = _lock(item)
    _check(item, RemediationAction.REOPEN)
    moment = _when(at)
    item.state = RemediationState.OPEN
    _append(item, clocks.REOPENED, at=moment, actor=actor, note=_text(note, "note"))
    return refresh(item, now=max(moment, current_time()))


@transaction.atomic
def mark_false_positive(
    *, item: Item, reason: str, actor: Actor, at: datetime | None = None
) -> Item:
    """Not affected after all: the clock stops and counts neither as met nor as breached."""
    _staff_only(actor)
    text = _text(reason, "reason", required=True)
    item = _lock(item)
    _check(item, RemediationAction.FALSE_POSITIVE)
    moment = _when(at)
    item.state, item.false_positive_reason, item.closed_at = (
        RemediationState.FALSE_POSITIVE,
        text,
        moment,
    )
    _append(item, clocks.FALSE_POSITIVE, at=moment, actor=actor, note=text)
    if item.measurement_id is not None:
        # A breach measured before it was found to be a false positive: it never was one.
        Measurement.objects.filter(pk=item.measurement_id).delete()
        item.measurement = None
    return refresh(item, now=max(moment, current_time()))


ACTIONS = {
    RemediationAction.MITIGATE: mitigate,
    RemediationAction.PATCH: mark_patched,
    RemediationAction.ACCEPT_RISK: accept_risk,
    RemediationAction.REOPEN: reopen,
    RemediationAction.FALSE_POSITIVE: mark_false_positive,
}


# ------------------------------------------------------------------ audits and findings


@transaction.atomic
def schedule_audit(
    *,
    contract: Contract,
    kind: str,
    due_on: Any,
    title: str = "",
    auditor: str = "",
    scheduled: bool = False,
    now: datetime | None = None,
) -> SecurityAudit:
    if kind not in AuditKind.values:
        raise DomainValidationError(
            {"kind": [_("must be one of %(choices)s") % {"choices": ", ".join(AuditKind.values)}]}
        )
    return SecurityAudit.objects.create(
        contract=contract,
        customer_id=contract.customer_id,
        kind=kind,
        title=_text(title, "title", limit=200),
        auditor=_text(auditor, "auditor", limit=200),
        due_on=due_on,
        scheduled=scheduled,
        created_at=now or current_time(),
    )


@transaction.atomic
def record_audit(
    *, audit: SecurityAudit, performed_on: Any, auditor: str = "", actor: Actor = None
) -> SecurityAudit:
    """The audit took place; the contract's schedule then falls due again one frequency later."""

    _staff_only(actor)
    audit = SecurityAudit.objects.select_for_update().get(pk=audit.pk)
    if audit.status == AuditStatus.DONE:
        raise TransitionError(_("%(number)s is already done") % {"number": audit.number})
    audit.status, audit.performed_on = AuditStatus.DONE, performed_on
    if auditor:
        audit.auditor = _text(auditor, "auditor", limit=200)
    audit.save()
    schedule_next(audit.contract)
    return audit


@transaction.atomic
def add_finding(
    *,
    audit: SecurityAudit,
    title: str,
    severity: str,
    description: str = "",
    assets: Iterable[Asset] = (),
    reported_at: datetime | None = None,
    actor: Actor = None,
) -> Finding:
    """A finding of the audit; its rectification deadline runs from ``reported_at``."""
    _staff_only(actor)
    errors: dict[str, list[str]] = {}
    if severity not in CvssSeverity.values:
        errors["severity"] = [
            _("must be one of %(choices)s") % {"choices": ", ".join(CvssSeverity.values)}
        ]
    try:
        clean_title = _text(title, "title", required=True, limit=300)
        clean_description = _text(description, "description")
    except DomainValidationError as exc:
        errors.update(exc.errors)
    if errors:
        raise DomainValidationError(errors)
    rows = _assets_of(audit.contract, assets)
    at = _when(reported_at, "reported_at")
    finding = Finding.objects.create(
        audit=audit,
        contract_id=audit.contract_id,
        customer_id=audit.customer_id,
        title=clean_title,
        description=clean_description,
        severity=severity,
        reported_at=at,
    )
    finding.assets.set(rows)
    opened = _open(finding, at=at, actor=actor)
    assert isinstance(opened, Finding)
    return opened


@transaction.atomic
def attach_report(
    *,
    audit: SecurityAudit,
    name: str,
    content: bytes | File[bytes],
    content_type: str = "",
    actor: Actor = None,
) -> SecurityAudit:
    """Stores the audit's report file (one per audit; a new one replaces the old). Over the
    attachment limit it is a field error on ``file`` and nothing is stored."""
    _staff_only(actor)
    size = len(content) if isinstance(content, bytes) else int(content.size or 0)
    check_size(size)
    audit = SecurityAudit.objects.select_for_update().get(pk=audit.pk)
    filename = safe_name(name)
    guessed = mimetypes.guess_type(filename)[0]
    kind = (content_type or guessed or "application/octet-stream").split(";")[0].strip().lower()
    old = audit.report.name if audit.report else ""
    audit.report.save(
        filename, ContentFile(content) if isinstance(content, bytes) else content, save=False
    )
    audit.report_name, audit.report_type, audit.report_size = filename, kind[:150], size
    try:
        audit.save()
    except Exception:
        audit.report.storage.delete(audit.report.name or "")
        raise
    if old:
        transaction.on_commit(lambda: audit.report.storage.delete(old))
    return audit


@transaction.atomic
def set_security_credits(
    *, version: Any, credits: Iterable[Mapping[str, Any]]
) -> list[SecurityBreachCredit]:
    """Sets (replaces) a version's per-breach security credits: dicts with ``applies_to``
    (vulnerability | finding), ``severity`` and ``credit_percent`` (0-100)."""
    errors: dict[str, list[str]] = {}
    rows = []
    for i, row in enumerate(credits):
        applies, severity = row.get("applies_to", ""), row.get("severity", "")
        if applies not in SecurityBreachCredit.Applies.values:
            errors[f"credits[{i}].applies_to"] = [
                _("must be one of %(choices)s")
                % {"choices": ", ".join(SecurityBreachCredit.Applies.values)}
            ]
        if severity not in CvssSeverity.values:
            errors[f"credits[{i}].severity"] = [
                _("must be one of %(choices)s") % {"choices": ", ".join(CvssSeverity.values)}
            ]
        try:
            percent = Decimal(str(row.get("credit_percent")))
        except ArithmeticError:
            percent = Decimal(-1)
        if not Decimal(0) <= percent <= Decimal(100):
            errors[f"credits[{i}].credit_percent"] = [_("a percentage between 0 and 100")]
        rows.append(
            SecurityBreachCredit(
                contract_version=version,
                applies_to=applies,
                severity=severity,
                credit_percent=percent,
            )
        )
    if errors:
        raise DomainValidationError(errors)
    SecurityBreachCredit.objects.filter(contract_version=version).delete()
    return SecurityBreachCredit.objects.bulk_create(rows)
