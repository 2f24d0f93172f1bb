"""Audit exports as worker jobs (docs/statements.md, "Audit exports as jobs").

A request creates an ``AuditExport`` row (queued); the worker's step ``run_due_exports``
claims the oldest queued job, writes the zip with ``reports.audit.write_audit_export`` into
a temporary file (clock rows in chunks: memory does not grow with the contract), recording
progress as it goes, then copies it into Django's default storage with its size and
SHA-256. A failure is kept on the row with its reason. ``expire_exports`` deletes files
older than ``AUDIT_EXPORT_KEEP_DAYS`` (default 7) and marks their rows expired.
"""

from __future__ import annotations

import hashlib
import logging
import tempfile
from datetime import datetime, timedelta
from typing import Any

from django.core.files import File
from django.db import connection, transaction

from servicepact.billing.periods import Period
from servicepact.contracts.models import Contract
from servicepact.core.config import option
from servicepact.core.time import now as current_time
from servicepact.reports.audit import write_audit_export
from servicepact.reports.choices import ExportStatus
from servicepact.reports.models import AuditExport

log = logging.getLogger(__name__)

KEEP_DAYS = 7  # default of settings.SERVICEPACT["AUDIT_EXPORT_KEEP_DAYS"]
# A job still "running" this long after it started lost its worker (killed, out of memory):
# it is marked failed so that the person who asked sees it and can ask again.
STALE_AFTER = timedelta(hours=1)
ERROR_MAX_CHARS = 2000
HASH_BLOCK = 1024 * 1024
ACTIVE = (ExportStatus.QUEUED, ExportStatus.RUNNING)
EXPORTS_PER_PASS = 2


def request_audit_export(
    *, contract: Contract, period: str | Period, user: Any, now: datetime | None = None
) -> tuple[AuditExport, bool]:
    """Queue the audit export of a contract-month; ``(job, created)``. A job for the same
    contract and month that is still queued or running is returned instead of a second one.
    A bad period is a DomainValidationError naming ``period``."""
    month = period if isinstance(period, Period) else Period.parse(period)
    with transaction.atomic():
        # The contract row serialises two requests for the same month.
        Contract.objects.select_for_update().filter(pk=contract.pk).first()
        waiting = (
            AuditExport.objects.filter(contract=contract, period=str(month), status__in=ACTIVE)
            .order_by("created_at", "id")
            .first()
        )
        if waiting is not None:
            return waiting, False
        job = AuditExport.objects.create(
            contract=contract,
            period=str(month),
            requested_by=user if getattr(user, "is_authenticated", False) else None,
            created_at=now or current_time(),
        )
    return job, True


def _claim(now: datetime) -> AuditExport | None:
    with transaction.atomic():
        queued = AuditExport.objects.filter(status=ExportStatus.QUEUED).order_by("created_at", "id")
        if connection.features.has_select_for_update_skip_locked:
            queued = queued.select_for_update(skip_locked=True)
        job = queued.first()
        if job is None:
            return None
        job.status = ExportStatus.RUNNING
        job.started_at = now
        job.save(update_fields=["status", "started_at"])
    return job


def run_export(job: AuditExport, *, now: datetime) -> AuditExport:
    """Write a claimed (running) job's zip into storage; on failure the row keeps the reason."""
    contract = Contract.objects.select_related("customer", "plan__calendar").get(pk=job.contract_id)
    try:
        with tempfile.TemporaryFile(suffix=".zip") as tmp:
            for step in write_audit_export(contract, job.period, tmp, now=now):
                AuditExport.objects.filter(pk=job.pk).update(done=step.done, total=step.total)
                job.done, job.total = step.done, step.total
            size, digest = _size_and_digest(tmp)
            tmp.seek(0)
            job.file.save(f"audit-{contract.number}-{job.period}.zip", File(tmp), save=False)
        with transaction.atomic():
            job.status = ExportStatus.DONE
            job.size, job.sha256 = size, digest
            job.finished_at = current_time()
            job.save(
                update_fields=["status", "file", "size", "sha256", "finished_at", "done", "total"]
            )
    except Exception as exc:  # the job fails, the worker goes on with the next one
        log.exception("audit export %s (%s %s) failed", job.pk, contract.number, job.period)
        if job.file:
            job.file.delete(save=False)
        _fail(job, f"{type(exc).__name__}: {exc}")
    return job


def _size_and_digest(tmp: Any) -> tuple[int, str]:
    tmp.seek(0)
    digest, size = hashlib.sha256(), 0
    while block := tmp.read(HASH_BLOCK):
        digest.update(block)
        size += len(block)
    return size, digest.hexdigest()


def _fail(job: AuditExport, reason: str) -> None:
    with transaction.atomic():
        job.status = ExportStatus.FAILED
        job.error = reason[:ERROR_MAX_CHARS]
        job.finished_at = current_time()
        job.file = ""
        job.save(update_fields=["status", "error", "finished_at", "file"])


def fail_stale_exports(now: datetime) -> int:
    """Jobs whose worker disappeared (running for longer than STALE_AFTER) become failed."""
    stale = AuditExport.objects.filter(
        status=ExportStatus.RUNNING, started_at__lt=now - STALE_AFTER
    ).order_by("id")
    count = 0
    for job in stale:
        _fail(job, "The worker stopped while writing this export. Ask for it again.")
        count += 1
    return count


def run_due_exports(now: datetime, *, limit: int = EXPORTS_PER_PASS) -> int:
    """The worker's step: up to ``limit`` queued exports, oldest first; returns how many
    ran (done or failed). Several workers each claim a different job (SKIP LOCKED)."""
    fail_stale_exports(now)
    ran = 0
    while ran < limit:
        job = _claim(now)
        if job is None:
            break
        run_export(job, now=now)
        ran += 1
    return ran


def open_export_file(job: AuditExport) -> Any | None:
    """A written export's file opened for reading, or None (not written yet, expired, or
    the file went missing from storage)."""
    if job.status != ExportStatus.DONE or not job.file:
        return None
    try:
        return job.file.open("rb")
    except FileNotFoundError:
        return None


def keep_days() -> int:
    return int(option("AUDIT_EXPORT_KEEP_DAYS", KEEP_DAYS))


def expires_at(job: AuditExport) -> datetime | None:
    """When the worker deletes a written export's file."""
    if job.status != ExportStatus.DONE or job.finished_at is None:
        return None
    return job.finished_at + timedelta(days=keep_days())


def expire_exports(now: datetime, *, limit: int = 500) -> int:
    """The worker's step: delete the files of exports written more than
    ``AUDIT_EXPORT_KEEP_DAYS`` ago; their rows stay (status expired, who asked, sha256)."""
    old = AuditExport.objects.filter(
        status=ExportStatus.DONE, finished_at__lt=now - timedelta(days=keep_days())
    ).order_by("finished_at", "id")[:limit]
    count = 0
    for job in old:
        if job.file:
            job.file.delete(save=False)  # a file already gone is no error
        with transaction.atomic():
            job.status = ExportStatus.EXPIRED
            job.expired_at = now
            job.file = ""
            job.save(update_fields=["status", "expired_at", "file"])
        count += 1
    return count
