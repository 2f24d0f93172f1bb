"""The statement's "Backups and drills" section, and the credit lines they earn.

Section (``recovery_section``), for the month [start, cut-off):

* every required copy of every policy active on the contract: its worst achieved RPO in the
  month (rpo.worst_rpo) against the RPO it serves (the policy's, else the contract's RPO
  commitment), met or missed;
* the drill due dates that fall in the month (local dates): due, done, missed (a missed one
  is a breach), and the drills finished in the month with achieved vs committed RTO/RPO.

Credits (``recovery_credit_lines``), where the contract's commitment in force at the end of
the month names a ``credit_percent`` (contracts.KpiCommitment):

* RPO: one line when any copy's worst RPO exceeded what it serves (not one per copy);
* backup drill: one line per due date of the month that was missed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from servicepact.backups.choices import DueStatus
from servicepact.backups.models import BackupPolicy, Drill, DrillDue
from servicepact.backups.rpo import contract_kpi, rpo_target_minutes, worst_rpo
from servicepact.contracts.choices import KpiKind
from servicepact.contracts.models import Contract
from servicepact.core.time import format_duration, local_date
from servicepact.slaclock.statement_rules import DraftLine, money, plain

RULE_KPI = "kpi"


@dataclass(frozen=True)
class CopyRpo:
    policy: BackupPolicy
    location: str
    worst_seconds: int
    commitment_minutes: int | None

    @property
    def met(self) -> bool | None:
        if self.commitment_minutes is None:
            return None
        return self.worst_seconds <= self.commitment_minutes * 60


def month_rpo(contract: Contract, start: datetime, cutoff: datetime) -> list[CopyRpo]:
    policies = list(
        BackupPolicy.objects.filter(contract=contract, is_active=True, effective_from__lt=cutoff)
        .select_related("asset", "contract")
        .order_by("asset__hostname", "name")
    )
    targets: dict[int, int | None] = {}
    return [
        CopyRpo(
            policy=policy,
            location=location,
            worst_seconds=worst_rpo(policy, location, start, cutoff),
            commitment_minutes=rpo_target_minutes(policy, cutoff, targets),
        )
        for policy in policies
        for location in policy.locations
    ]


def month_dues(contract: Contract, start: datetime, end: datetime) -> list[DrillDue]:
    tz = contract.customer.timezone
    first, last = local_date(start, tz), local_date(end, tz)
    return list(
        DrillDue.objects.filter(
            schedule__contract=contract, due_on__gte=first, due_on__lt=last
        ).select_related("schedule", "drill")
    )


def due_status(due: DrillDue, cutoff: datetime) -> str:
    """A pending due date whose instant passed by the cut-off is missed, whether or not the
    worker has marked it yet."""
    if due.status == DueStatus.PENDING and due.due_at <= cutoff:
        return DueStatus.MISSED
    return due.status


def _minutes_met(achieved: int | None, committed: int | None) -> bool | None:
    if achieved is None or committed is None:
        return None
    return achieved <= committed


def recovery_section(
    contract: Contract, start: datetime, end: datetime, cutoff: datetime
) -> dict[str, Any]:
    copies = month_rpo(contract, start, cutoff)
    dues = month_dues(contract, start, end)
    rto_kpi = contract_kpi(contract, KpiKind.RTO, cutoff)
    rpo_kpi = contract_kpi(contract, KpiKind.RPO, cutoff)
    drills = Drill.objects.filter(
        contract=contract, finished_at__gte=start, finished_at__lt=cutoff
    ).select_related("schedule")
    drill_rows = []
    for drill in drills:
        schedule = drill.schedule
        rto = (schedule and schedule.rto_minutes) or (rto_kpi and int(rto_kpi.target))
        rpo = (schedule and schedule.rpo_minutes) or (rpo_kpi and int(rpo_kpi.target))
        drill_rows.append(
            {
                "id": drill.pk,
                "kind": drill.kind,
                "scope": drill.scope,
                "finished_at": drill.finished_at.isoformat(),
                "succeeded": drill.succeeded,
                "achieved_rto_minutes": drill.achieved_rto_minutes,
                "committed_rto_minutes": rto or None,
                "rto_met": _minutes_met(drill.achieved_rto_minutes, rto or None),
                "achieved_rpo_minutes": drill.achieved_rpo_minutes,
                "committed_rpo_minutes": rpo or None,
                "rpo_met": _minutes_met(drill.achieved_rpo_minutes, rpo or None),
                "signed_off": drill.signed_off_at is not None,
            }
        )
    worst = max((c.worst_seconds for c in copies), default=None)
    return {
        "copies": [
            {
                "asset": c.policy.asset.hostname,
                "policy": c.policy.name,
                "location": c.location,
                "worst_rpo_seconds": c.worst_seconds,
                "worst_rpo": format_duration(c.worst_seconds),
                "commitment_minutes": c.commitment_minutes,
                "met": c.met,
            }
            for c in copies
        ],
        "worst_rpo_seconds": worst,
        "rpo_missed": sum(1 for c in copies if c.met is False),
        "drills_due": len(dues),
        "drills_done": sum(1 for d in dues if due_status(d, cutoff) == DueStatus.DONE),
        "drills_missed": sum(1 for d in dues if due_status(d, cutoff) == DueStatus.MISSED),
        "dues": [
            {
                "kind": d.schedule.kind,
                "due_on": d.due_on.isoformat(),
                "status": due_status(d, cutoff),
                "drill": d.drill_id,
            }
            for d in sorted(dues, key=lambda d: (d.due_on, d.pk))
        ],
        "drills": drill_rows,
    }


def recovery_credit_lines(
    contract: Contract,
    start: datetime,
    end: datetime,
    cutoff: datetime,
    fee: Decimal,
    places: int = 2,
) -> list[DraftLine]:
    """The month's RPO and drill credit lines (see the module docstring)."""
    at = min(cutoff, end)
    lines: list[DraftLine] = []
    rpo = contract_kpi(contract, KpiKind.RPO, at)
    if rpo is not None and rpo.credit_percent is not None:
        missed = [c for c in month_rpo(contract, start, cutoff) if c.met is False]
        if missed:
            worst = max(missed, key=lambda c: c.worst_seconds)
            lines.append(
                DraftLine(
                    rule=RULE_KPI,
                    description=(
                        f"RPO: worst {format_duration(worst.worst_seconds)} "
                        f"({worst.policy.asset.hostname} {worst.location}) above "
                        f"{worst.commitment_minutes} min -> {plain(rpo.credit_percent)} %"
                    ),
                    percent=rpo.credit_percent,
                    amount=money(fee, rpo.credit_percent, places),
                    metric=KpiKind.RPO,
                )
            )
    drill = contract_kpi(contract, KpiKind.BACKUP_DRILL, at)
    if drill is not None and drill.credit_percent is not None:
        for due in month_dues(contract, start, end):
            if due_status(due, cutoff) != DueStatus.MISSED:
                continue
            lines.append(
                DraftLine(
                    rule=RULE_KPI,
                    description=(
                        f"{due.schedule.kind} drill due {due.due_on.isoformat()} missed -> "
                        f"{plain(drill.credit_percent)} %"
                    ),
                    percent=drill.credit_percent,
                    amount=money(fee, drill.credit_percent, places),
                    metric=KpiKind.BACKUP_DRILL,
                )
            )
    return lines
