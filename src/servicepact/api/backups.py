"""Backups and recovery drills (docs/backups.md).

POST /backups/runs/{kind}        a backup tool reports runs (generic | restic | bacula), source token
GET  /backups/runs               runs, tenancy-scoped (a contact: its customer's assets)
GET  /backups/policies           policies with each required copy's last good backup and RPO now
POST /backups/policies           staff: a policy for an asset on a contract
GET  /drills                     recovery drills, tenancy-scoped
POST /drills                     staff: record a drill (findings open follow-up tickets)
GET  /drills/{id}                one drill (404 outside the caller's tenancy)
POST /drills/{id}/sign-off       the customer's contact signs the drill off (409 once signed)
GET  /drills/schedules           drill schedules with their next due date, tenancy-scoped
POST /drills/schedules           staff: a drill schedule set up by hand
POST /drills/schedules/sync      staff: the contracts' backup-drill commitments as schedules
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from django.db import transaction
from django.http import HttpRequest, JsonResponse
from ninja import Field, Query, Router, Schema, Status
from ninja.security import HttpBearer
from pydantic import AwareDatetime

from servicepact.accounts.actors import actor_of
from servicepact.api.common import (
    ListOut,
    PageQuery,
    get_or_404,
    reference,
    rendered_page,
    require_staff,
)
from servicepact.assets.selectors import assets_for
from servicepact.backups.choices import CopyLocation, DrillKind, DueStatus, RunStatus
from servicepact.backups.models import BackupPolicy, BackupRun, BackupSource, Drill, DrillSchedule
from servicepact.backups.rpo import copy_states
from servicepact.backups.selectors import drills_for, policies_for, runs_for, schedules_for
from servicepact.backups.services import (
    add_drill_finding,
    authenticate_backup_source,
    create_backup_policy,
    create_drill_schedule,
    receive_runs,
    record_drill,
    sign_off_drill,
    sync_drill_schedules,
)
from servicepact.backups.sources import PARSERS, Delivery, ParsedRun, PayloadError, Rejection
from servicepact.contracts.selectors import contracts_for
from servicepact.core import limits as core_limits
from servicepact.core.api_schema import (
    MAX_DB_INT,
    ApiIn,
    Id,
    idempotent,
    model_int,
    model_text,
    reads,
    writes,
)
from servicepact.core.config import option
from servicepact.core.time import now as current_time

router = Router(tags=["backups"])


class SourceTokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        return authenticate_backup_source(token)


# ---------------------------------------------------------------- runs in


class RejectedRun(Schema):
    index: int
    field: str
    reason: str


class RunsAccepted(Schema):
    accepted: int
    created: int
    updated: int
    unmatched: int
    unmatched_hosts: list[str]
    rejected: list[RejectedRun] | None = None  # only when some run was rejected


Host = Annotated[str, model_text(BackupRun, "host")]


class DeliveryQuery(ApiIn):
    host: Host = ""
    location: str = Field("", max_length=16)


def _error(status: int, detail: Any) -> JsonResponse:
    return JsonResponse({"detail": detail}, status=status)


@router.post(
    "/backups/runs/{kind}",
    auth=SourceTokenAuth(),
    response=writes(RunsAccepted, 404),
    exclude_none=True,
    operation_id="backup_runs_receive",
    summary="Receive backup run reports (backup source token)",
)
def post_runs(request: HttpRequest, kind: str, query: Query[DeliveryQuery]) -> Any:
    """One delivery of a backup tool: the generic JSON, restic's ``backup --json`` output
    (``?host=`` required) or Bacula job report e-mails. A malformed payload is a 400 naming
    the field (nothing stored); a run that cannot be stored is listed under ``rejected`` and
    the others are stored (400 when none is left); over ``BACKUP_MAX_BODY`` bytes a 413."""
    source: BackupSource = request.auth  # type: ignore[attr-defined]
    parser = PARSERS.get(kind)
    if parser is None:
        return _error(404, f"unknown backup source kind {kind!r}; use one of {', '.join(PARSERS)}")
    if source.kind != kind:
        return _error(
            403,
            f"this token belongs to the {source.kind} source {source.name!r}: "
            f"post to /api/v1/backups/runs/{source.kind}",
        )
    limit = int(option("BACKUP_MAX_BODY", 20 * 1024 * 1024))
    try:
        body = core_limits.read_body(request, limit=limit)
    except core_limits.BodyTooLarge:
        return core_limits.too_large(limit)
    received_at = current_time()
    delivery = Delivery(
        received_at=received_at,
        host=query.host,
        location=query.location,
        timezone=source.timezone,
    )
    try:
        items = parser(body, delivery)
    except PayloadError as exc:
        return _error(400, str(exc))
    most = int(option("BACKUP_MAX_RUNS", 20_000))
    if len(items) > most:
        return _error(400, f"body: {len(items)} runs; at most {most} in one delivery")
    runs = [r for r in items if isinstance(r, ParsedRun)]
    rejected = [r.as_dict() for r in items if isinstance(r, Rejection)] or None
    if rejected and not runs:
        first = rejected[0]
        return JsonResponse(
            {"detail": f"{first['field']}: {first['reason']}", "rejected": rejected}, status=400
        )
    result = receive_runs(source=source, runs=runs, received_at=received_at)
    return {**result.as_dict(), "rejected": rejected}


# ---------------------------------------------------------------- runs out


class BackupAssetRef(Schema):
    id: int
    hostname: str


class RunOut(Schema):
    id: int
    run_key: str
    source: str | None
    host: str
    asset: BackupAssetRef | None
    location: str
    status: str
    started_at: datetime
    finished_at: datetime | None
    size_bytes: int | None
    files: int | None
    snapshot: str
    message: str
    received_at: datetime


class RunList(ListOut):
    items: list[RunOut]


class RunFilters(PageQuery, ApiIn):
    asset: int | None = Field(None, ge=1, le=MAX_DB_INT)
    status: RunStatus | None = None
    location: CopyLocation | None = None
    unmatched: bool | None = None
    started_after: AwareDatetime | None = None


def render_run(run: BackupRun) -> dict[str, Any]:
    return {
        "id": run.pk,
        "run_key": run.run_key,
        "source": run.source.name if run.source is not None else None,
        "host": run.host,
        "asset": None
        if run.asset is None
        else {"id": run.asset.pk, "hostname": run.asset.hostname},
        "location": run.location,
        "status": run.status,
        "started_at": run.started_at,
        "finished_at": run.finished_at,
        "size_bytes": run.size_bytes,
        "files": run.files,
        "snapshot": run.snapshot,
        "message": run.message,
        "received_at": run.received_at,
    }


@router.get(
    "/backups/runs",
    response=reads(RunList, 422),
    operation_id="backup_runs_list",
    summary="List backup runs (tenancy-scoped)",
)
def list_runs(request: HttpRequest, filters: Query[RunFilters]) -> dict[str, Any]:
    """Newest start first. A contact sees the runs of its customer's assets only (never an
    unmatched run)."""
    qs = runs_for(request.user)
    if filters.asset is not None:
        qs = qs.filter(asset_id=filters.asset)
    if filters.status is not None:
        qs = qs.filter(status=filters.status)
    if filters.location is not None:
        qs = qs.filter(location=filters.location)
    if filters.unmatched is not None:
        qs = qs.filter(asset__isnull=filters.unmatched)
    if filters.started_after is not None:
        qs = qs.filter(started_at__gte=filters.started_after)
    return rendered_page(qs.order_by("-started_at", "-pk"), filters, render_run)


# ---------------------------------------------------------------- policies


class CopyOut(Schema):
    location: str
    last_good_run: int | None
    last_good_started_at: datetime | None
    last_good_finished_at: datetime | None
    achieved_rpo_seconds: int
    window_minutes: int
    overdue: bool
    rpo_minutes: int | None
    rpo_met: bool | None


class BackupPolicyOut(Schema):
    id: int
    contract: int
    asset: BackupAssetRef
    name: str
    volumes: str
    databases: str
    window_minutes: int
    retention_days: int
    copies: list[str]
    encrypted: bool
    rpo_minutes: int | None
    effective_from: datetime
    is_active: bool
    state: list[CopyOut]


class BackupPolicyList(ListOut):
    items: list[BackupPolicyOut]


class BackupPolicyFilters(PageQuery, ApiIn):
    contract: int | None = Field(None, ge=1, le=MAX_DB_INT)
    asset: int | None = Field(None, ge=1, le=MAX_DB_INT)


PolicyName = Annotated[str, model_text(BackupPolicy, "name", min_length=1)]
Volumes = Annotated[str, model_text(BackupPolicy, "volumes")]
Databases = Annotated[str, model_text(BackupPolicy, "databases")]


class PolicyIn(ApiIn):
    contract: int = Field(..., ge=1, le=MAX_DB_INT)
    asset: int = Field(..., ge=1, le=MAX_DB_INT)
    name: PolicyName
    volumes: Volumes = ""
    databases: Databases = ""
    window_minutes: Annotated[int, model_int(BackupPolicy, "window_minutes")]
    retention_days: Annotated[int, model_int(BackupPolicy, "retention_days")]
    copies: list[CopyLocation] = Field(default_factory=lambda: [CopyLocation.LOCAL], min_length=1)
    encrypted: bool = True
    rpo_minutes: Annotated[int, model_int(BackupPolicy, "rpo_minutes")] | None = None
    effective_from: AwareDatetime | None = None


def render_policies(policies: list[BackupPolicy], at: datetime) -> list[dict[str, Any]]:
    states: dict[int, list[dict[str, Any]]] = {}
    for s in copy_states(policies, at):
        run = s.last_good
        states.setdefault(s.policy.pk, []).append(
            {
                "location": s.location,
                "last_good_run": run.pk if run else None,
                "last_good_started_at": run.started_at if run else None,
                "last_good_finished_at": run.finished_at if run else None,
                "achieved_rpo_seconds": s.age_seconds,
                "window_minutes": s.policy.window_minutes,
                "overdue": s.overdue,
                "rpo_minutes": s.rpo_minutes,
                "rpo_met": s.rpo_met,
            }
        )
    return [
        {
            "id": p.pk,
            "contract": p.contract_id,
            "asset": {"id": p.asset_id, "hostname": p.asset.hostname},
            "name": p.name,
            "volumes": p.volumes,
            "databases": p.databases,
            "window_minutes": p.window_minutes,
            "retention_days": p.retention_days,
            "copies": p.locations,
            "encrypted": p.encrypted,
            "rpo_minutes": p.rpo_minutes,
            "effective_from": p.effective_from,
            "is_active": p.is_active,
            "state": states.get(p.pk, []),
        }
        for p in policies
    ]


@router.get(
    "/backups/policies",
    response=reads(BackupPolicyList, 422),
    operation_id="backup_policies_list",
    summary="List backup policies with each copy's achieved RPO now",
)
def list_policies(request: HttpRequest, filters: Query[BackupPolicyFilters]) -> dict[str, Any]:
    qs = policies_for(request.user)
    if filters.contract is not None:
        qs = qs.filter(contract_id=filters.contract)
    if filters.asset is not None:
        qs = qs.filter(asset_id=filters.asset)
    found = rendered_page(qs.order_by("asset__hostname", "name", "pk"), filters, lambda p: p)
    return {**found, "items": render_policies(found["items"], current_time())}


@router.post(
    "/backups/policies",
    response=writes(BackupPolicyOut, 404, status=201),
    operation_id="backup_policies_create",
    summary="Create a backup policy (staff)",
)
@idempotent
def create_policy(request: HttpRequest, payload: PolicyIn) -> Status[Any]:
    """The asset must be on the contract; at least one copy is required."""
    require_staff(request, "create backup policies")
    contract = reference(contracts_for(request.user), payload.contract, "contract")
    asset = reference(assets_for(request.user), payload.asset, "asset")
    assert contract is not None and asset is not None
    policy = create_backup_policy(
        contract=contract,
        asset=asset,
        name=payload.name,
        volumes=payload.volumes,
        databases=payload.databases,
        window_minutes=payload.window_minutes,
        retention_days=payload.retention_days,
        copy_local=CopyLocation.LOCAL in payload.copies,
        copy_offsite=CopyLocation.OFFSITE in payload.copies,
        copy_other_zone=CopyLocation.OTHER_ZONE in payload.copies,
        encrypted=payload.encrypted,
        rpo_minutes=payload.rpo_minutes,
        effective_from=payload.effective_from,
        actor=actor_of(request),
    )
    fresh = policies_for(request.user).get(pk=policy.pk)
    return Status(201, render_policies([fresh], current_time())[0])


# ---------------------------------------------------------------- drills


class DrillFindingOut(Schema):
    id: int
    text: str
    ticket: int | None


class EvidenceOut(Schema):
    id: int
    name: str
    size: int
    content_type: str


class DrillOut(Schema):
    id: int
    contract: int
    schedule: int | None
    kind: str
    scope: str
    started_at: datetime
    finished_at: datetime
    achieved_rto_minutes: int | None
    achieved_rpo_minutes: int | None
    succeeded: bool
    summary: str
    findings: list[DrillFindingOut]
    evidence: list[EvidenceOut]
    signed_off_at: datetime | None
    signed_off_by: str | None
    signoff_note: str


class DrillList(ListOut):
    items: list[DrillOut]


class DrillFilters(PageQuery, ApiIn):
    contract: int | None = Field(None, ge=1, le=MAX_DB_INT)
    signed_off: bool | None = None


Scope = Annotated[str, model_text(Drill, "scope", min_length=1)]
FindingText = Annotated[str, Field(min_length=1, max_length=500)]


class DrillIn(ApiIn):
    contract: int = Field(..., ge=1, le=MAX_DB_INT)
    schedule: int | None = Field(None, ge=1, le=MAX_DB_INT)
    kind: DrillKind
    scope: Scope
    started_at: AwareDatetime
    finished_at: AwareDatetime
    succeeded: bool
    achieved_rto_minutes: int | None = Field(None, ge=0, le=2_147_483_647)
    achieved_rpo_minutes: int | None = Field(None, ge=0, le=2_147_483_647)
    summary: str = Field("", max_length=10_000)
    findings: list[FindingText] = Field(default_factory=list, max_length=50)


class DrillSignOffIn(ApiIn):
    note: Annotated[str, model_text(Drill, "signoff_note")] = ""


def render_drill(drill: Drill) -> dict[str, Any]:
    return {
        "id": drill.pk,
        "contract": drill.contract_id,
        "schedule": drill.schedule_id,
        "kind": drill.kind,
        "scope": drill.scope,
        "started_at": drill.started_at,
        "finished_at": drill.finished_at,
        "achieved_rto_minutes": drill.achieved_rto_minutes,
        "achieved_rpo_minutes": drill.achieved_rpo_minutes,
        "succeeded": drill.succeeded,
        "summary": drill.summary,
        "findings": [
            {"id": f.pk, "text": f.text, "ticket": f.ticket_id} for f in drill.findings.all()
        ],
        "evidence": [
            {"id": e.pk, "name": e.name, "size": e.size, "content_type": e.content_type}
            for e in drill.evidence.all()
        ],
        "signed_off_at": drill.signed_off_at,
        "signed_off_by": drill.signed_off_by.get_username() if drill.signed_off_by else None,
        "signoff_note": drill.signoff_note,
    }


def _drills(request: HttpRequest) -> Any:
    return drills_for(request.user).prefetch_related("findings", "evidence")


@router.get(
    "/drills",
    response=reads(DrillList, 422),
    operation_id="drills_list",
    summary="List recovery drills (tenancy-scoped)",
)
def list_drills(request: HttpRequest, filters: Query[DrillFilters]) -> dict[str, Any]:
    qs = _drills(request)
    if filters.contract is not None:
        qs = qs.filter(contract_id=filters.contract)
    if filters.signed_off is not None:
        qs = qs.filter(signed_off_at__isnull=not filters.signed_off)
    return rendered_page(qs.order_by("-finished_at", "-pk"), filters, render_drill)


@router.post(
    "/drills",
    response=writes(DrillOut, 404, status=201),
    operation_id="drills_create",
    summary="Record a recovery drill (staff)",
)
@idempotent
def create_drill(request: HttpRequest, payload: DrillIn) -> Status[Any]:
    """With ``schedule``, the drill makes that schedule's earliest pending due date done.
    Each finding opens a follow-up service request linked to it."""
    require_staff(request, "record drills")
    contract = reference(contracts_for(request.user), payload.contract, "contract")
    schedule = reference(schedules_for(request.user), payload.schedule, "schedule")
    assert contract is not None
    actor = actor_of(request)
    with transaction.atomic():
        drill = record_drill(
            contract=contract,
            schedule=schedule,
            kind=payload.kind,
            scope=payload.scope,
            started_at=payload.started_at,
            finished_at=payload.finished_at,
            succeeded=payload.succeeded,
            achieved_rto_minutes=payload.achieved_rto_minutes,
            achieved_rpo_minutes=payload.achieved_rpo_minutes,
            summary=payload.summary,
            actor=actor,
        )
        for text in payload.findings:
            add_drill_finding(drill=drill, text=text, actor=actor)
    return Status(201, render_drill(_drills(request).get(pk=drill.pk)))


# ---------------------------------------------------------------- drill schedules


class DrillDueOut(Schema):
    id: int
    due_on: date
    due_at: datetime
    status: str


class DrillScheduleOut(Schema):
    id: int
    contract: int
    kind: str
    scope: str
    interval_months: int
    first_due_on: date
    warn_days: int
    rto_minutes: int | None
    rpo_minutes: int | None
    is_active: bool
    commitment: int | None  # the contract's backup-drill KPI it is derived from
    next_due: DrillDueOut | None


class DrillScheduleList(ListOut):
    items: list[DrillScheduleOut]


class DrillScheduleFilters(PageQuery, ApiIn):
    contract: int | None = Field(None, ge=1, le=MAX_DB_INT)
    active: bool | None = None


class DrillScheduleIn(ApiIn):
    contract: int = Field(..., ge=1, le=MAX_DB_INT)
    kind: DrillKind
    interval_months: int = Field(..., ge=1, le=60)
    first_due_on: date
    scope: Annotated[str, model_text(DrillSchedule, "scope")] = ""
    warn_days: int = Field(14, ge=0, le=365)
    rto_minutes: int | None = Field(None, ge=0, le=2_147_483_647)
    rpo_minutes: int | None = Field(None, ge=0, le=2_147_483_647)


class DrillScheduleSyncIn(ApiIn):
    contract: int | None = Field(None, ge=1, le=MAX_DB_INT)  # None: every contract


class DrillScheduleSyncOut(Schema):
    changed: int


def render_schedule(schedule: DrillSchedule) -> dict[str, Any]:
    pending = [d for d in schedule.dues.all() if d.status == DueStatus.PENDING]
    due = min(pending, key=lambda d: d.due_on, default=None)
    return {
        "id": schedule.pk,
        "contract": schedule.contract_id,
        "kind": schedule.kind,
        "scope": schedule.scope,
        "interval_months": schedule.interval_months,
        "first_due_on": schedule.first_due_on,
        "warn_days": schedule.warn_days,
        "rto_minutes": schedule.rto_minutes,
        "rpo_minutes": schedule.rpo_minutes,
        "is_active": schedule.is_active,
        "commitment": schedule.kpi_id,
        "next_due": None
        if due is None
        else {"id": due.pk, "due_on": due.due_on, "due_at": due.due_at, "status": due.status},
    }


def _schedules(request: HttpRequest) -> Any:
    return schedules_for(request.user).prefetch_related("dues")


@router.get(
    "/drills/schedules",
    response=reads(DrillScheduleList, 422),
    operation_id="drill_schedules_list",
    summary="List drill schedules with their next due date (tenancy-scoped)",
)
def list_schedules(request: HttpRequest, filters: Query[DrillScheduleFilters]) -> dict[str, Any]:
    qs = _schedules(request)
    if filters.contract is not None:
        qs = qs.filter(contract_id=filters.contract)
    if filters.active is not None:
        qs = qs.filter(is_active=filters.active)
    return rendered_page(qs.order_by("contract_id", "kind", "pk"), filters, render_schedule)


@router.post(
    "/drills/schedules",
    response=writes(DrillScheduleOut, 404, status=201),
    operation_id="drill_schedules_create",
    summary="Set up a drill schedule by hand (staff)",
)
@idempotent
def create_schedule(request: HttpRequest, payload: DrillScheduleIn) -> Status[Any]:
    require_staff(request, "set up drill schedules")
    contract = reference(contracts_for(request.user), payload.contract, "contract")
    assert contract is not None
    schedule = create_drill_schedule(
        contract=contract,
        kind=payload.kind,
        interval_months=payload.interval_months,
        first_due_on=payload.first_due_on,
        scope=payload.scope,
        warn_days=payload.warn_days,
        rto_minutes=payload.rto_minutes,
        rpo_minutes=payload.rpo_minutes,
    )
    return Status(201, render_schedule(_schedules(request).get(pk=schedule.pk)))


@router.post(
    "/drills/schedules/sync",
    response=writes(DrillScheduleSyncOut, 404),
    operation_id="drill_schedules_sync",
    summary="Derive drill schedules from the contracts' backup-drill commitments (staff)",
)
def sync_schedules(request: HttpRequest, payload: DrillScheduleSyncIn) -> dict[str, Any]:
    """What the worker does each pass, now: a contract's backup-drill KPI (a frequency in
    days) becomes its restore-drill schedule, kept in step with amendments."""
    require_staff(request, "derive drill schedules")
    contract = reference(contracts_for(request.user), payload.contract, "contract")
    changed = sync_drill_schedules(contracts=None if contract is None else [contract])
    return {"changed": changed}


@router.get(
    "/drills/{drill_id}",
    response=reads(DrillOut, 404, 422),
    operation_id="drills_get",
    summary="One recovery drill",
)
def get_drill(request: HttpRequest, drill_id: Id) -> dict[str, Any]:
    return render_drill(get_or_404(_drills(request), drill_id))


@router.post(
    "/drills/{drill_id}/sign-off",
    response=writes(DrillOut, 404, 409),
    operation_id="drills_sign_off",
    summary="Sign a drill off (the customer's contact)",
)
def post_sign_off(request: HttpRequest, drill_id: Id, payload: DrillSignOffIn) -> dict[str, Any]:
    """Only a contact of the drill's customer signs off (staff: 403); once (409)."""
    drill = get_or_404(_drills(request), drill_id)
    sign_off_drill(drill=drill, actor=actor_of(request), note=payload.note)
    return render_drill(_drills(request).get(pk=drill.pk))
