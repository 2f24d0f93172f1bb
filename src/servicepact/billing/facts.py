"""The facts of one contract-month that credits and statements are computed from."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
from django.db import connections

from servicepact.billing.availability import CreditedAvailability, credited_availability, measure
from servicepact.billing.clockdata import ClockSet, load_clocks
from servicepact.billing.credits import BreachFact
from servicepact.billing.exclusions import ForceMajeureRules, force_majeure_rules
from servicepact.billing.periods import Period
from servicepact.billing.schedules import ScheduleTerms, schedules_by_version
from servicepact.contracts.models import Contract, ContractVersion
from servicepact.contracts.terms import version_for_period
from servicepact.core.sql import ids_in
from servicepact.core.time import now as current_time
from servicepact.tickets.models import Ticket

CHUNK = 2000  # ids per IN (...) query: well under every backend's parameter limit


@dataclass
class PeriodFacts:
    contract: Contract
    period: Period
    timezone: str
    start: datetime  # first instant of the local month
    end: datetime  # first instant of the next local month
    cutoff: datetime  # min(end, now): what the figures are "as of"
    clocks: ClockSet  # every clock that can be decided from ``since`` to the cut-off
    month: ClockSet  # the clocks decided in the month
    breaches: list[BreachFact]
    force_majeure: ForceMajeureRules
    availability_result: Any | None  # monitoring's AvailabilityResult
    availability: CreditedAvailability
    version: ContractVersion | None  # the terms of the month (in force at its end)
    schedule: ScheduleTerms | None  # in force at the end of the month: tiers, cap, claims
    schedules: dict[int, ScheduleTerms | None]  # per contract version: breach credits


def period_facts(
    contract: Contract,
    period: Period,
    *,
    now: datetime | None = None,
    since: datetime | None = None,
    with_availability: bool = True,
    asset_ids: Sequence[int] | None = None,
) -> PeriodFacts:
    """Load and decide the clocks (from ``since``, default the month's start) as of
    min(end of month, now); list the month's breaches with their force-majeure status.
    ``asset_ids``: only the clocks of tickets on these assets (the tier replay's filter)."""
    tz = contract.customer.timezone
    start, end = period.bounds(tz)
    cutoff = min(end, now or current_time())
    clocks = load_clocks(
        since=since or start, cutoff=cutoff, contract_ids=[contract.pk], asset_ids=asset_ids
    )
    month = clocks.take(clocks.decided_between(start, end))
    rules = force_majeure_rules(contract)
    result = measure(contract, period) if with_availability else None
    schedules = schedules_by_version(contract)
    # The terms in force on the month's last second give the tiers, the cap and the window.
    version = version_for_period(contract, end - timedelta(seconds=1))
    return PeriodFacts(
        contract=contract,
        period=period,
        timezone=tz,
        start=start,
        end=end,
        cutoff=cutoff,
        clocks=clocks,
        month=month,
        breaches=breach_facts(month, rules),
        force_majeure=rules,
        availability_result=result,
        availability=credited_availability(result, rules),
        version=version,
        schedule=schedules.get(version.pk) if version is not None else None,
        schedules=schedules,
    )


def ticket_rows(ids: Iterable[int], *fields: str) -> dict[int, tuple[Any, ...]]:
    """``{ticket id: (fields...)}`` for many tickets: a few IN queries, rows read raw (no
    model instances, no per-row conversion: use plain columns only)."""
    wanted = sorted({int(i) for i in ids})
    found: dict[int, tuple[Any, ...]] = {}
    for i in range(0, len(wanted), CHUNK):
        # ``ids_in``: one array parameter on PostgreSQL, not 2,000 values Django prepares one
        # by one and psycopg splits the query text at (docs/performance.md, issue 12).
        qs = Ticket.objects.filter(ids_in("pk", wanted[i : i + CHUNK])).values_list("pk", *fields)
        sql, params = qs.query.sql_with_params()
        with connections[qs.db].cursor() as cursor:
            cursor.execute(sql, params)
            for row in cursor.fetchall():
                found[row[0]] = tuple(row[1:])
    return found


def breach_rows(month: ClockSet) -> Any:
    """The rows of the month's breached clocks in the order of ``breach_facts``: by breach
    instant, ticket, metric."""
    rows = np.flatnonzero(month.breached)
    return rows[np.lexsort((month.metric[rows], month.ticket_id[rows], month.deadline[rows]))]


def breach_facts(month: ClockSet, rules: ForceMajeureRules) -> list[BreachFact]:
    """The breached clocks of the month (by breach instant, ticket, metric), with exclusions."""
    rows = breach_rows(month)
    tickets = ticket_rows(month.ticket_id[rows].tolist(), "number", "subject", "category")
    columns = zip(
        month.ticket_id[rows].tolist(),
        month.metric[rows].tolist(),
        month.priority[rows].tolist(),
        month.version_id[rows].tolist(),
        month.deadline[rows].tolist(),
        (month.elapsed[rows] - month.target[rows]).tolist(),
        month.start[rows].tolist(),
        strict=True,
    )
    # No force majeure (the common case): nothing to ask per breach.
    reason_for = rules.reason_for if rules.tickets or rules.periods else None
    unknown = ("", "", "")
    facts = []
    for tid, metric, priority, version, deadline, by, start in columns:
        number, subject, category = tickets.get(tid, unknown)
        facts.append(
            BreachFact(
                ticket_id=tid,
                ticket_number=number or "",
                metric=month.metrics[metric],
                priority=priority,
                version_id=None if version < 0 else version,
                deadline=datetime.fromtimestamp(deadline, UTC),
                breached_by_seconds=by,
                excluded_because=None if reason_for is None else reason_for(tid, start, deadline),
                subject=subject,
                category=category,
            )
        )
    return facts
