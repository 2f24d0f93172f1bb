"""The security part of a contract's month: what the statement shows and what credits owe.

* A remediation deadline counts in the month that contains its breach instant (the
  deadline; decided as of the cut-off, like ticket clocks). An item still open and not yet
  re-derived by the worker is evaluated by the engine as of the cut-off.
* Accepted risk pauses the clock (no breach while it stands); a false positive counts
  neither as met nor as breached.
* Credits: each breach earns the ``SecurityBreachCredit`` percentage of the version the item
  was reported under, for its kind and severity; no row, no credit. The lines go before the
  schedule's cap (``billing``), which then caps ticket and security lines together.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q

from servicepact.contracts.choices import KpiKind
from servicepact.contracts.models import Contract
from servicepact.core.time import format_duration, local_date
from servicepact.security import clocks
from servicepact.security.choices import RemediationState
from servicepact.security.models import (
    Finding,
    Remediation,
    SecurityAudit,
    SecurityBreachCredit,
    Vulnerability,
)
from servicepact.slaclock import ClockState
from servicepact.slaclock.statement_rules import RULE_BREACH, DraftLine, money, plain


@dataclass(frozen=True)
class SecurityBreach:
    kind: str  # "vulnerability" | "finding"
    item_id: int
    number: str
    reference: str  # the CVE id, or the audit's number
    title: str
    severity: str
    version_id: int | None
    deadline: datetime
    breached_by_seconds: int
    state: str


def _breaches_of(
    model: type[Vulnerability] | type[Finding],
    contract: Contract,
    start: datetime,
    cutoff: datetime,
) -> list[SecurityBreach]:
    rows = model.objects.filter(contract=contract).filter(
        Q(breached_at__gte=start, breached_at__lt=cutoff)
        | Q(
            breached_at__isnull=True,
            closed_at__isnull=True,
            deadline_at__gte=start,
            deadline_at__lt=cutoff,
        )
    )
    rows = rows.select_related("advisory" if model is Vulnerability else "audit")
    out = []
    for item in rows.order_by("deadline_at", "pk"):
        breached_at, by = item.breached_at, item.breached_by_seconds
        if breached_at is None or item.closed_at is None:
            # Still open: as of the cut-off (the stored columns may be a worker pass behind).
            result, _ = clocks.evaluate(item, list(item.events.order_by("at", "id")), cutoff)
            if result is None or result.state != ClockState.BREACHED or not result.breached_at:
                continue
            breached_at, by = result.breached_at, result.breached_by_seconds
        if not start <= breached_at < cutoff:
            continue
        out.append(_fact(item, breached_at, by))
    return out


def _fact(item: Remediation, deadline: datetime, by: int) -> SecurityBreach:
    if isinstance(item, Vulnerability):
        kind, reference, title = "vulnerability", item.advisory.reference, item.advisory.title
    else:
        assert isinstance(item, Finding)
        kind, reference, title = "finding", item.audit.number, item.title
    return SecurityBreach(
        kind=kind,
        item_id=item.pk,
        number=item.number,
        reference=reference,
        title=title,
        severity=item.severity,
        version_id=item.contract_version_id,
        deadline=deadline,
        breached_by_seconds=by,
        state=item.state,
    )


def security_breaches(
    contract: Contract, start: datetime, cutoff: datetime
) -> list[SecurityBreach]:
    """The month's missed patch and rectification deadlines, by deadline."""
    both = _breaches_of(Vulnerability, contract, start, cutoff) + _breaches_of(
        Finding, contract, start, cutoff
    )
    return sorted(both, key=lambda b: (b.deadline, b.number))


def credit_lines(breaches: list[SecurityBreach], fee: Decimal, places: int = 2) -> list[DraftLine]:
    """One credit line per breach its version's schedule pays for (by kind and severity)."""
    versions = {b.version_id for b in breaches if b.version_id is not None}
    rates = {
        (row.contract_version_id, row.applies_to, row.severity): row.credit_percent
        for row in SecurityBreachCredit.objects.filter(contract_version_id__in=versions)
    }
    lines = []
    for b in breaches:
        percent = None if b.version_id is None else rates.get((b.version_id, b.kind, b.severity))
        if percent is None:
            continue
        deadline = "patch deadline" if b.kind == "vulnerability" else "rectification deadline"
        lines.append(
            DraftLine(
                rule=RULE_BREACH,
                description=(
                    f"{b.severity} {b.kind} {b.reference} {deadline} breach: "
                    f"{plain(percent)} % per breach"
                ),
                percent=percent,
                amount=money(fee, percent, places),
                ticket_number=b.number[:20],
                metric=KpiKind.PATCH_DEADLINE
                if b.kind == "vulnerability"
                else KpiKind.RECTIFICATION_DEADLINE,
            )
        )
    return lines


def _counts(
    model: type[Vulnerability] | type[Finding],
    contract: Contract,
    start: datetime,
    cutoff: datetime,
) -> dict[str, int]:
    base = model.objects.filter(contract=contract)
    reported = Q(reported_at__gte=start, reported_at__lt=cutoff)
    closed = Q(closed_at__gte=start, closed_at__lt=cutoff)
    patched = closed & Q(state=RemediationState.PATCHED)
    got = base.aggregate(
        reported=Count("pk", filter=reported),
        patched=Count("pk", filter=patched),
        patched_in_time=Count("pk", filter=patched & Q(breached_at__isnull=True)),
        false_positive=Count("pk", filter=closed & Q(state=RemediationState.FALSE_POSITIVE)),
        accepted_risk=Count(
            "pk", filter=Q(state=RemediationState.ACCEPTED_RISK, accepted_at__lt=cutoff)
        ),
        open=Count(
            "pk",
            filter=Q(reported_at__lt=cutoff)
            & (Q(closed_at__isnull=True) | Q(closed_at__gte=cutoff))
            & ~Q(state=RemediationState.ACCEPTED_RISK),
        ),
    )
    return {key: int(value or 0) for key, value in got.items()}


def security_section(
    contract: Contract, start: datetime, end: datetime, cutoff: datetime
) -> dict[str, Any]:
    """The statement's "security" section (JSON-serialisable)."""
    breaches = security_breaches(contract, start, cutoff)
    tz = contract.customer.timezone
    first, after, today = local_date(start, tz), local_date(end, tz), local_date(cutoff, tz)
    audits = SecurityAudit.objects.filter(contract=contract).filter(
        Q(performed_on__gte=first, performed_on__lt=after) | Q(status="scheduled", due_on__lt=today)
    )
    return {
        "vulnerabilities": _counts(Vulnerability, contract, start, cutoff),
        "findings": _counts(Finding, contract, start, cutoff),
        "breaches": [
            {
                "kind": b.kind,
                "number": b.number,
                "reference": b.reference,
                "title": b.title,
                "severity": b.severity,
                "deadline": b.deadline.isoformat(),
                "breached_by_seconds": b.breached_by_seconds,
                "breached_by": format_duration(b.breached_by_seconds),
                "state": b.state,
            }
            for b in breaches
        ],
        "audits": [
            {
                "number": a.number,
                "kind": a.kind,
                "due_on": a.due_on.isoformat(),
                "performed_on": a.performed_on.isoformat() if a.performed_on else None,
                "status": a.status,
            }
            for a in audits.order_by("due_on", "pk")
        ],
    }
