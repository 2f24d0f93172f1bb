"""Reads of backups that a page, the API or another app needs; tenancy in one place."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import QuerySet

from servicepact.backups.models import BackupPolicy, BackupRun, Drill, DrillSchedule
from servicepact.backups.rpo import last_good_runs
from servicepact.customers.selectors import scope_to_customer


def policies_for(user: Any) -> QuerySet[BackupPolicy]:
    """Staff: every policy; a contact: its customer's; anyone else: none."""
    qs = BackupPolicy.objects.select_related("contract__customer", "asset")
    return scope_to_customer(qs, user, field="contract__customer")


def runs_for(user: Any) -> QuerySet[BackupRun]:
    """Staff: every run (unmatched too); a contact: the runs of its customer's assets."""
    qs = BackupRun.objects.select_related("asset", "source")
    return scope_to_customer(qs, user, field="asset__customer")


def drills_for(user: Any) -> QuerySet[Drill]:
    qs = Drill.objects.select_related("contract__customer", "signed_off_by", "schedule")
    return scope_to_customer(qs, user, field="contract__customer")


def schedules_for(user: Any) -> QuerySet[DrillSchedule]:
    qs = DrillSchedule.objects.select_related("contract__customer")
    return scope_to_customer(qs, user, field="contract__customer")


@dataclass(frozen=True)
class GoodBackup:
    """The last successful run of one asset's copy: what another app may show or cite."""

    run_id: int
    asset_id: int
    location: str
    started_at: datetime  # the recovery point
    finished_at: datetime
    size_bytes: int | None
    snapshot: str


def last_good_backup(
    asset_ids: Iterable[int], at: datetime | None = None
) -> dict[int, dict[str, GoodBackup]]:
    """Per asset and copy location, the last successful run (as of ``at``, default now):
    ``{asset_id: {"local": GoodBackup, "offsite": ...}}``; an asset or a location without a
    good run is absent. Two queries whatever the number of assets (docs/backups.md)."""
    out: dict[int, dict[str, GoodBackup]] = {}
    for (asset_id, location), run in last_good_runs(asset_ids, at).items():
        assert run.finished_at is not None
        out.setdefault(asset_id, {})[location] = GoodBackup(
            run_id=run.pk,
            asset_id=asset_id,
            location=location,
            started_at=run.started_at,
            finished_at=run.finished_at,
            size_bytes=run.size_bytes,
            snapshot=run.snapshot,
        )
    return out
