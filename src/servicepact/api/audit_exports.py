"""Audit exports as worker jobs (docs/statements.md, "Audit exports as jobs").

    POST /contracts/{id}/audit-exports        queue a month's export {period?}: 202 + the job
    GET  /audit-exports                        list (filters: contract, status), newest first
    GET  /audit-exports/{id}                   status, progress, size, sha256, download url
    GET  /audit-exports/{id}/download          the zip (409 until it is written, or expired)

The worker writes the zip (``servicepact worker``); poll the job until ``status`` is
``done``. Tenancy: a contact sees only its own customer's exports (another's is a 404).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from django.http import FileResponse, HttpRequest
from django.urls import reverse
from ninja import Field, Query, Router, Schema, Status

from servicepact.api.common import ListOut, PageQuery, UserRef, get_or_404, rendered_page, user_ref
from servicepact.api.statements import ContractRef
from servicepact.contracts.selectors import get_contract
from servicepact.core.api_schema import MAX_DB_INT, ApiIn, Id, Text, reads, writes
from servicepact.core.errors import TransitionError
from servicepact.reports.choices import ExportStatus
from servicepact.reports.exports import expires_at, open_export_file, request_audit_export
from servicepact.reports.models import AuditExport
from servicepact.reports.selectors import audit_exports_for, default_period

router = Router(tags=["audit exports"])


class AuditExportOut(Schema):
    id: int
    contract: ContractRef
    period: str
    status: str
    done: int = Field(description="rows written: every clock is a CSV row and an events.json entry")
    total: int
    percent: int
    requested_by: UserRef | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    expires_at: datetime | None
    size: int | None
    sha256: str
    error: str
    download: str | None


class AuditExportList(ListOut):
    items: list[AuditExportOut]


class AuditExportIn(ApiIn):
    period: Text | None = Field(None, description="YYYY-MM; default: the last closed month")


class AuditExportFilters(PageQuery, ApiIn):
    contract: int | None = Field(None, ge=1, le=MAX_DB_INT)
    status: Literal["queued", "running", "done", "failed", "expired"] | None = None


def render_export(job: AuditExport) -> dict[str, Any]:
    ready = job.status == ExportStatus.DONE
    return {
        "id": job.pk,
        "contract": {"id": job.contract_id, "number": job.contract.number},
        "period": job.period,
        "status": job.status,
        "done": job.done,
        "total": job.total,
        "percent": job.percent,
        "requested_by": user_ref(job.requested_by),
        "created_at": job.created_at,
        "started_at": job.started_at,
        "finished_at": job.finished_at,
        "expires_at": expires_at(job),
        "size": job.size,
        "sha256": job.sha256,
        "error": job.error,
        "download": reverse("api:audit_exports_download", args=[job.pk]) if ready else None,
    }


@router.post(
    "/contracts/{contract_id}/audit-exports",
    response=writes(AuditExportOut, 404, status=202),
    operation_id="audit_exports_create",
    summary="Queue a contract-month's audit export for the worker",
)
def create_audit_export(request: HttpRequest, contract_id: Id, body: AuditExportIn) -> Any:
    """A job (202): the worker writes the zip; poll ``GET /audit-exports/{id}``. A job still
    queued or running for the same contract and month is answered instead of a second one."""
    contract = get_contract(request.user, contract_id)
    job, _created = request_audit_export(
        contract=contract, period=body.period or default_period(contract), user=request.user
    )
    return Status(202, render_export(job))


@router.get(
    "/audit-exports",
    response=reads(AuditExportList, 422),
    operation_id="audit_exports_list",
    summary="List audit exports",
)
def list_audit_exports(request: HttpRequest, filters: Query[AuditExportFilters]) -> Any:
    """The caller's visible exports, newest first."""
    qs = audit_exports_for(request.user)
    if filters.contract is not None:
        qs = qs.filter(contract_id=filters.contract)
    if filters.status is not None:
        qs = qs.filter(status=filters.status)
    return rendered_page(qs.order_by("-created_at", "-id"), filters, render_export)


@router.get(
    "/audit-exports/{export_id}",
    response=reads(AuditExportOut, 404, 422),
    operation_id="audit_exports_get",
    summary="An audit export job: status, progress, download url",
)
def get_audit_export(request: HttpRequest, export_id: Id) -> Any:
    return render_export(get_or_404(audit_exports_for(request.user), export_id))


@router.get(
    "/audit-exports/{export_id}/download",
    response=reads(None, 404, 409, 422),
    # The 200 is the zip itself, not JSON: say so in the schema.
    openapi_extra={
        "responses": {
            200: {
                "description": "The zip",
                "content": {"application/zip": {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    },
    operation_id="audit_exports_download",
    url_name="audit_exports_download",
    summary="The written audit export (zip)",
)
def download_audit_export(request: HttpRequest, export_id: Id) -> Any:
    """The zip, streamed from storage; 409 while it is queued or running, failed or expired."""
    job = get_or_404(audit_exports_for(request.user), export_id)
    handle = open_export_file(job)
    if handle is None:
        raise TransitionError(
            f"the export is {job.status}: a file exists only once it is done (and until it expires)"
        )
    return FileResponse(
        handle, as_attachment=True, filename=job.filename, content_type="application/zip"
    )
