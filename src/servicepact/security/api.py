"""Security API: ``/api/v1/vulnerabilities`` and ``/api/v1/audits`` (+ findings, imports).

Tenancy: a contact sees its own customer's vulnerabilities, audits and findings; another
customer's is a 404. Staff record; a contact may only accept a risk (``accept-risk``).
An invalid CVSS v3.1 vector is a 422 naming ``cvss_vector``; a refused transition a 409.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile

from servicepact.accounts.actors import actor_of
from servicepact.accounts.auth import api_auth
from servicepact.assets.models import Asset
from servicepact.changes.models import Change
from servicepact.contracts.models import Contract
from servicepact.core.api_schema import (
    ApiIn,
    BodyId,
    Id,
    IdFilter,
    Text,
    idempotent,
    model_text,
    reads,
    writes,
)
from servicepact.core.errors import DomainValidationError
from servicepact.core.pagination import ListOut, PageQuery, api_page
from servicepact.customers.selectors import is_staff
from servicepact.security import imports, services
from servicepact.security.choices import ALLOWED, RemediationAction
from servicepact.security.models import Advisory, Finding, Remediation, SecurityAudit, Vulnerability
from servicepact.security.reports import report_response
from servicepact.security.selectors import (
    audits_for,
    findings_for,
    get_audit,
    get_finding,
    get_vulnerability,
    vulnerabilities_for,
)

vulnerabilities = Router(tags=["security"], auth=api_auth())
audits = Router(tags=["security"], auth=api_auth())

Action = Literal["mitigate", "patch", "accept-risk", "false-positive", "reopen"]
LongText = Annotated[str, model_text(Finding, "description")]


class RemediationClockOut(Schema):
    status: str
    target_seconds: int | None
    measured_over: str
    deadline: datetime | None
    elapsed_seconds: int
    breached_at: datetime | None
    breached_by_seconds: int


class RemediationOut(Schema):
    id: int
    number: str
    customer: int
    contract: int
    severity: str
    state: str
    reported_at: datetime
    closed_at: datetime | None
    mitigation: str
    patched_change: int | None
    accepted_at: datetime | None
    acceptance_note: str
    false_positive_reason: str
    assets: list[int]
    clock: RemediationClockOut
    actions: list[str]


class VulnerabilityOut(RemediationOut):
    cve_id: str
    osv_id: str
    title: str
    cvss_vector: str
    base_score: Decimal
    source: str


class SecurityFindingOut(RemediationOut):
    audit: int
    title: str
    description: str


class VulnerabilityList(ListOut):
    items: list[VulnerabilityOut]


class FindingList(ListOut):
    items: list[SecurityFindingOut]


class VulnerabilityIn(ApiIn):
    cve_id: Annotated[str, model_text(Advisory, "cve_id")]
    title: Annotated[str, model_text(Advisory, "title")]
    cvss_vector: Annotated[str, model_text(Advisory, "cvss_vector")]
    contract: BodyId
    assets: list[BodyId] = []
    description: LongText = ""
    software_name: Annotated[str, model_text(Advisory, "software_name")] = ""
    reported_at: datetime | None = None


class RemediationActionIn(ApiIn):
    mitigation: LongText = ""
    note: LongText = ""
    reason: LongText = ""
    change: BodyId | None = None
    at: datetime | None = None


class ImportOut(Schema):
    advisories: list[str]
    vulnerabilities: list[int]


class AuditOut(Schema):
    id: int
    number: str
    customer: int
    contract: int
    kind: str
    title: str
    auditor: str
    due_on: date
    performed_on: date | None
    status: str
    scheduled: bool
    overdue: bool
    report: str | None
    findings: int


class AuditList(ListOut):
    items: list[AuditOut]


class AuditIn(ApiIn):
    contract: BodyId
    kind: Annotated[str, model_text(SecurityAudit, "kind")]
    due_on: date
    title: Annotated[str, model_text(SecurityAudit, "title")] = ""
    auditor: Annotated[str, model_text(SecurityAudit, "auditor")] = ""


class AuditDoneIn(ApiIn):
    performed_on: date
    auditor: Annotated[str, model_text(SecurityAudit, "auditor")] = ""


class FindingIn(ApiIn):
    title: Annotated[str, model_text(Finding, "title")]
    severity: Annotated[str, model_text(Finding, "severity")]
    description: LongText = ""
    assets: list[BodyId] = []
    reported_at: datetime | None = None


def _clock(item: Remediation) -> dict[str, Any]:
    return {
        "status": item.clock_status,
        "target_seconds": item.target_seconds,
        "measured_over": item.measured_over,
        "deadline": item.deadline_at,
        "elapsed_seconds": item.elapsed_seconds,
        "breached_at": item.breached_at,
        "breached_by_seconds": item.breached_by_seconds,
    }


def actions_for(user: Any, item: Remediation) -> list[str]:
    """The actions this user may take now (the same table the services check)."""
    staff = is_staff(user)
    return [
        str(action).replace("_", "-")
        for action, states in ALLOWED.items()
        if item.state in states and (staff != (action == RemediationAction.ACCEPT_RISK))
    ]


def _common(user: Any, item: Remediation) -> dict[str, Any]:
    return {
        "id": item.pk,
        "number": item.number,  # type: ignore[attr-defined]
        "customer": item.customer_id,
        "contract": item.contract_id,
        "severity": item.severity,
        "state": item.state,
        "reported_at": item.reported_at,
        "closed_at": item.closed_at,
        "mitigation": item.mitigation,
        "patched_change": item.patched_change_id,
        "accepted_at": item.accepted_at,
        "acceptance_note": item.acceptance_note,
        "false_positive_reason": item.false_positive_reason,
        "assets": sorted(a.pk for a in item.assets.all()),  # type: ignore[attr-defined]
        "clock": _clock(item),
        "actions": actions_for(user, item),
    }


def vulnerability_out(user: Any, v: Vulnerability) -> dict[str, Any]:
    a = v.advisory
    return {
        **_common(user, v),
        "cve_id": a.cve_id,
        "osv_id": a.osv_id,
        "title": a.title,
        "cvss_vector": a.cvss_vector,
        "base_score": a.base_score,
        "source": v.source,
    }


def finding_out(user: Any, f: Finding) -> dict[str, Any]:
    return {**_common(user, f), "audit": f.audit_id, "title": f.title, "description": f.description}


def _staff(request: HttpRequest) -> None:
    if not is_staff(request.user):
        raise PermissionDenied(_("only provider staff record this"))


def _contract(pk: int, field: str = "contract") -> Contract:
    contract = Contract.objects.select_related("customer").filter(pk=pk).first()
    if contract is None:
        raise DomainValidationError({field: [_("no such contract")]})
    return contract


def _assets(ids: list[int]) -> list[Asset]:
    rows = list(Asset.objects.filter(pk__in=ids))
    missing = sorted(set(ids) - {a.pk for a in rows})
    if missing:
        raise DomainValidationError(
            {"assets": [_("no such asset: %(ids)s") % {"ids": ", ".join(map(str, missing))}]}
        )
    return rows


def _act(
    request: HttpRequest, item: Vulnerability | Finding, action: str, body: RemediationActionIn
) -> Any:
    name = RemediationAction(action.replace("-", "_"))
    actor = actor_of(request)
    if name == RemediationAction.MITIGATE:
        return services.mitigate(item=item, mitigation=body.mitigation, actor=actor, at=body.at)
    if name == RemediationAction.PATCH:
        change = None
        if body.change is not None:
            change = Change.objects.filter(pk=body.change).first()
            if change is None:
                raise DomainValidationError({"change": [_("no such change")]})
        return services.mark_patched(item=item, change=change, actor=actor, at=body.at)
    if name == RemediationAction.ACCEPT_RISK:
        return services.accept_risk(item=item, note=body.note, actor=actor, at=body.at)
    if name == RemediationAction.FALSE_POSITIVE:
        return services.mark_false_positive(item=item, reason=body.reason, actor=actor, at=body.at)
    return services.reopen(item=item, note=body.note, actor=actor, at=body.at)


# ------------------------------------------------------------------ vulnerabilities


@vulnerabilities.get(
    "",
    response=reads(VulnerabilityList, 422),
    operation_id="vulnerabilities_list",
    summary="List vulnerabilities (with their remediation deadlines)",
)
def list_vulnerabilities(
    request: HttpRequest,
    paging: Query[PageQuery],
    state: Text = "",
    severity: Text = "",
    contract: IdFilter = None,
) -> dict[str, Any]:
    qs = vulnerabilities_for(request.user).prefetch_related("assets")
    if state:
        qs = qs.filter(state__in=state.split(","))
    if severity:
        qs = qs.filter(severity__in=severity.split(","))
    if contract is not None:
        qs = qs.filter(contract_id=contract)
    result = api_page(qs, paging)
    result["items"] = [vulnerability_out(request.user, v) for v in result["items"]]
    return result


@vulnerabilities.post(
    "",
    response=writes(VulnerabilityOut, 403, status=201),
    operation_id="vulnerabilities_create",
    summary="Report a vulnerability (CVE, CVSS v3.1 vector) on a contract's assets",
)
@idempotent
def create_vulnerability(request: HttpRequest, payload: VulnerabilityIn) -> Any:
    """The advisory is created (or updated, by CVE id); its deadline starts at ``reported_at``
    (default now) under the contract's patch commitment for the vector's severity."""
    _staff(request)
    contract = _contract(payload.contract)
    assets = _assets(payload.assets)
    advisory = services.create_advisory(
        cve_id=payload.cve_id,
        title=payload.title,
        cvss_vector=payload.cvss_vector,
        description=payload.description,
        software_name=payload.software_name,
    )
    item = services.report_vulnerability(
        advisory=advisory,
        contract=contract,
        assets=assets,
        reported_at=payload.reported_at,
        actor=actor_of(request),
    )
    return Status(201, vulnerability_out(request.user, get_vulnerability(request.user, item.pk)))


@vulnerabilities.post(
    "/import/csv",
    response=writes(ImportOut, 403, status=201),
    operation_id="vulnerabilities_import_csv",
    summary="Import a scanner's CSV of findings",
)
@idempotent
def import_csv(request: HttpRequest, file: File[UploadedFile], contract: Form[int]) -> Any:
    """Multipart: ``file`` (UTF-8 CSV, docs/security-management.md) and ``contract`` (an id).
    All rows or none: the 422 names each problem as ``lines[N].column``."""
    _staff(request)
    target = _contract(contract)
    try:
        text = file.read().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DomainValidationError({"file": [_("not UTF-8 text")]}) from exc
    result = imports.import_scanner_csv(text=text, contract=target, actor=actor_of(request))
    return Status(201, _import_out(result))


@vulnerabilities.post(
    "/import/osv",
    response=writes(ImportOut, 403, status=201),
    operation_id="vulnerabilities_import_osv",
    summary="Import OSV advisories (JSON)",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": {"type": "object"}}},
        }
    },
)
@idempotent
def import_osv(request: HttpRequest, contract: IdFilter = None) -> Any:
    """Body: one OSV record, a list, or ``{"vulns": [...]}``. With ``?contract=``, the
    contract's assets running an affected version get a vulnerability."""
    _staff(request)
    target = _contract(contract, "contract") if contract is not None else None
    try:
        data = json.loads(request.body or b"null")
    except ValueError as exc:
        raise DomainValidationError({"body": [_("not JSON")]}) from exc
    result = imports.import_osv(data=data, contract=target, actor=actor_of(request))
    return Status(201, _import_out(result))


def _import_out(result: imports.ImportResult) -> dict[str, Any]:
    return {
        "advisories": [a.reference for a in result.advisories],
        "vulnerabilities": [v.pk for v in result.vulnerabilities],
    }


@vulnerabilities.get(
    "/{vulnerability_id}",
    response=reads(VulnerabilityOut, 404, 422),
    operation_id="vulnerabilities_get",
    summary="Get a vulnerability",
)
def read_vulnerability(request: HttpRequest, vulnerability_id: Id) -> Any:
    return vulnerability_out(request.user, get_vulnerability(request.user, vulnerability_id))


@vulnerabilities.post(
    "/{vulnerability_id}/{action}",
    response=writes(VulnerabilityOut, 403, 404, 409),
    operation_id="vulnerabilities_act",
    summary="Mitigate, patch, accept the risk (customer), mark false positive, reopen",
)
def act_on_vulnerability(
    request: HttpRequest, vulnerability_id: Id, action: Action, payload: RemediationActionIn
) -> Any:
    item = get_vulnerability(request.user, vulnerability_id)
    _act(request, item, action, payload)
    return vulnerability_out(request.user, get_vulnerability(request.user, vulnerability_id))


# ------------------------------------------------------------------ audits and findings


def audit_out(audit: SecurityAudit) -> dict[str, Any]:
    from servicepact.security.audits import is_overdue

    return {
        "id": audit.pk,
        "number": audit.number,
        "customer": audit.customer_id,
        "contract": audit.contract_id,
        "kind": audit.kind,
        "title": audit.title,
        "auditor": audit.auditor,
        "due_on": audit.due_on,
        "performed_on": audit.performed_on,
        "status": audit.status,
        "scheduled": audit.scheduled,
        "overdue": is_overdue(audit),
        "report": f"/api/v1/audits/{audit.pk}/report" if audit.report else None,
        "findings": audit.findings.count(),
    }


@audits.get(
    "",
    response=reads(AuditList, 422),
    operation_id="audits_list",
    summary="List security audits and third-party tests",
)
def list_audits(
    request: HttpRequest, paging: Query[PageQuery], status: Text = "", contract: IdFilter = None
) -> dict[str, Any]:
    qs = audits_for(request.user)
    if status:
        qs = qs.filter(status__in=status.split(","))
    if contract is not None:
        qs = qs.filter(contract_id=contract)
    result = api_page(qs, paging)
    result["items"] = [audit_out(a) for a in result["items"]]
    return result


@audits.post(
    "",
    response=writes(AuditOut, 403, status=201),
    operation_id="audits_create",
    summary="Plan an audit or a penetration test",
)
@idempotent
def create_audit(request: HttpRequest, payload: AuditIn) -> Any:
    _staff(request)
    audit = services.schedule_audit(
        contract=_contract(payload.contract),
        kind=payload.kind,
        due_on=payload.due_on,
        title=payload.title,
        auditor=payload.auditor,
    )
    return Status(201, audit_out(audit))


@audits.get(
    "/findings/{finding_id}",
    response=reads(SecurityFindingOut, 404, 422),
    operation_id="findings_get",
    summary="Get a finding",
)
def read_finding(request: HttpRequest, finding_id: Id) -> Any:
    return finding_out(request.user, get_finding(request.user, finding_id))


@audits.post(
    "/findings/{finding_id}/{action}",
    response=writes(SecurityFindingOut, 403, 404, 409),
    operation_id="findings_act",
    summary="Mitigate, rectify, accept the risk (customer), mark false positive, reopen",
)
def act_on_finding(
    request: HttpRequest, finding_id: Id, action: Action, payload: RemediationActionIn
) -> Any:
    item = get_finding(request.user, finding_id)
    _act(request, item, action, payload)
    return finding_out(request.user, get_finding(request.user, finding_id))


@audits.get(
    "/{audit_id}",
    response=reads(AuditOut, 404, 422),
    operation_id="audits_get",
    summary="Get an audit",
)
def read_audit(request: HttpRequest, audit_id: Id) -> Any:
    return audit_out(get_audit(request.user, audit_id))


@audits.post(
    "/{audit_id}/done",
    response=writes(AuditOut, 403, 404, 409),
    operation_id="audits_done",
    summary="Record that the audit took place",
)
def audit_done(request: HttpRequest, audit_id: Id, payload: AuditDoneIn) -> Any:
    audit = get_audit(request.user, audit_id)
    services.record_audit(
        audit=audit,
        performed_on=payload.performed_on,
        auditor=payload.auditor,
        actor=actor_of(request),
    )
    return audit_out(get_audit(request.user, audit_id))


@audits.get(
    "/{audit_id}/findings",
    response=reads(FindingList, 404, 422),
    operation_id="audits_findings",
    summary="List an audit's findings",
)
def list_findings(request: HttpRequest, audit_id: Id, paging: Query[PageQuery]) -> dict[str, Any]:
    audit = get_audit(request.user, audit_id)
    qs = findings_for(request.user).filter(audit=audit).prefetch_related("assets")
    result = api_page(qs, paging)
    result["items"] = [finding_out(request.user, f) for f in result["items"]]
    return result


@audits.post(
    "/{audit_id}/findings",
    response=writes(SecurityFindingOut, 403, 404, status=201),
    operation_id="audits_add_finding",
    summary="Add a finding (rectification deadline starts)",
)
@idempotent
def add_finding(request: HttpRequest, audit_id: Id, payload: FindingIn) -> Any:
    audit = get_audit(request.user, audit_id)
    finding = services.add_finding(
        audit=audit,
        title=payload.title,
        severity=payload.severity,
        description=payload.description,
        assets=_assets(payload.assets),
        reported_at=payload.reported_at,
        actor=actor_of(request),
    )
    return Status(201, finding_out(request.user, get_finding(request.user, finding.pk)))


@audits.post(
    "/{audit_id}/report",
    response=writes(AuditOut, 403, 404),
    operation_id="audits_attach_report",
    summary="Attach the audit's report (multipart ``file``)",
)
def attach_report(request: HttpRequest, audit_id: Id, file: File[UploadedFile]) -> Any:
    audit = get_audit(request.user, audit_id)
    services.attach_report(
        audit=audit,
        name=file.name or "",
        content=file,
        content_type=file.content_type or "",
        actor=actor_of(request),
    )
    return audit_out(get_audit(request.user, audit_id))


@audits.get(
    "/{audit_id}/report",
    response=reads(AuditOut, 404, 422),
    operation_id="audits_report",
    summary="Download the audit's report (as an attachment, never rendered)",
    openapi_extra={
        "responses": {
            200: {
                "description": "The file: attachment, nosniff",
                "content": {
                    "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}
                },
            }
        }
    },
)
def download_report(request: HttpRequest, audit_id: Id) -> FileResponse:
    audit = get_audit(request.user, audit_id)
    if not audit.report:
        raise Http404(_("No report attached"))
    return report_response(audit)
