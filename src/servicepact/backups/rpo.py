"""Continuous RPO: how old the newest recoverable copy of an asset is, at any instant.

Definitions (docs/backups.md, "Achieved RPO"):

* the **last good backup** of an asset's copy (local, off-site, other zone) as of instant t is
  its succeeded run with the latest ``finished_at`` <= t (a run still running or failed
  recovers nothing);
* its **recovery point** is that run's ``started_at`` (data written after the start may not
  be in it);
* the **achieved RPO** at t is t - recovery point. Without any good backup it is counted from
  the policy's ``effective_from``: no run reported counts as much as a failed one;
* the **worst RPO of a month** is the highest achieved RPO over [start, cut-off): it peaks
  just before each good run finishes and at the cut-off, so those instants are enough.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Max, Q

from servicepact.backups.choices import RunStatus
from servicepact.backups.models import BackupPolicy, BackupRun
from servicepact.contracts.choices import KpiKind
from servicepact.contracts.models import Contract, KpiCommitment
from servicepact.contracts.terms import version_in_force


def worst_age(
    points: Sequence[tuple[datetime, datetime]],
    before: datetime | None,
    start: datetime,
    cutoff: datetime,
) -> int:
    """The worst achieved RPO (seconds) over [start, cutoff). ``points``: (started_at,
    finished_at) of the good runs finished in [start, cutoff), by ``finished_at``;
    ``before``: the recovery point in force at ``start`` (or the policy's start)."""
    worst = 0
    point = before if before is not None else start
    for started, finished in points:
        worst = max(worst, int((finished - point).total_seconds()))
        point = started
    return max(worst, int((cutoff - point).total_seconds()))


def last_good_runs(
    asset_ids: Iterable[int], at: datetime | None = None
) -> dict[tuple[int, str], BackupRun]:
    """(asset id, copy location) -> the last good run (latest ``finished_at`` <= ``at``).

    Two queries whatever the number of assets: the latest finish per (asset, location),
    then those runs (the partial index ``backuprun_good`` serves both)."""
    ids = list(asset_ids)
    if not ids:
        return {}
    good = BackupRun.objects.filter(asset_id__in=ids, status=RunStatus.SUCCEEDED)
    if at is not None:
        good = good.filter(finished_at__lte=at)
    latest = list(
        good.order_by()
        .values_list("asset_id", "location")
        .annotate(last=Max("finished_at"))
        .values_list("asset_id", "location", "last")
    )
    if not latest:
        return {}
    match = Q()
    for asset_id, location, last in latest:
        match |= Q(asset_id=asset_id, location=location, finished_at=last)
    out: dict[tuple[int, str], BackupRun] = {}
    for run in good.filter(match).order_by("started_at", "pk"):
        assert run.asset_id is not None
        out[(run.asset_id, run.location)] = run  # the latest start wins a tie of finishes
    return out


def contract_kpi(contract: Contract, kind: str, at: datetime) -> KpiCommitment | None:
    """The contract's commitment of ``kind`` in force at ``at`` (RPO, RTO, drill)."""
    version = version_in_force(contract, at)
    if version is None:
        return None
    return version.kpis.filter(kind=kind, severity="").first()


def rpo_target_minutes(
    policy: BackupPolicy, at: datetime, cache: dict[int, int | None] | None = None
) -> int | None:
    """The RPO the policy serves: its own, else the contract's RPO commitment in force
    (``cache``: per contract id, for many policies of one instant)."""
    if policy.rpo_minutes is not None:
        return policy.rpo_minutes
    memo = {} if cache is None else cache
    if policy.contract_id not in memo:
        kpi = contract_kpi(policy.contract, KpiKind.RPO, at)
        memo[policy.contract_id] = None if kpi is None else int(kpi.target)
    return memo[policy.contract_id]


@dataclass(frozen=True)
class CopyState:
    """One required copy of a policy as of an instant."""

    policy: BackupPolicy
    location: str
    last_good: BackupRun | None
    age_seconds: int  # the achieved RPO
    window_seconds: int
    rpo_minutes: int | None

    @property
    def overdue(self) -> bool:
        """The policy's window is exceeded: no good backup for longer than it allows."""
        return self.age_seconds > self.window_seconds

    @property
    def rpo_met(self) -> bool | None:
        if self.rpo_minutes is None:
            return None
        return self.age_seconds <= self.rpo_minutes * 60


def copy_states(policies: Sequence[BackupPolicy], at: datetime) -> list[CopyState]:
    """Every required copy of the policies as of ``at`` (two queries for the runs)."""
    runs = last_good_runs({p.asset_id for p in policies}, at)
    targets: dict[int, int | None] = {}
    out = []
    for policy in policies:
        target = rpo_target_minutes(policy, at, targets)
        for location in policy.locations:
            run = runs.get((policy.asset_id, location))
            point = run.started_at if run is not None else policy.effective_from
            out.append(
                CopyState(
                    policy=policy,
                    location=location,
                    last_good=run,
                    age_seconds=max(0, int((at - point).total_seconds())),
                    window_seconds=policy.window_minutes * 60,
                    rpo_minutes=target,
                )
            )
    return out


def worst_rpo(policy: BackupPolicy, location: str, start: datetime, cutoff: datetime) -> int:
    """The worst achieved RPO (seconds) of one copy over [start, cutoff); the part before
    the policy took effect does not count."""
    begin = max(start, policy.effective_from)
    if cutoff <= begin:
        return 0
    good = BackupRun.objects.filter(
        asset_id=policy.asset_id, location=location, status=RunStatus.SUCCEEDED
    )
    before = (
        good.filter(finished_at__lt=begin)
        .order_by("-finished_at", "-started_at")
        .values_list("started_at", flat=True)
        .first()
    )
    points = [
        (started, finished)
        for started, finished in good.filter(finished_at__gte=begin, finished_at__lt=cutoff)
        .order_by("finished_at", "started_at")
        .values_list("started_at", "finished_at")
        if finished is not None
    ]
    start_point = before if before is not None else policy.effective_from
    return worst_age(points, start_point, begin, cutoff)
