"""The dashboard's today from the clocks' stored snapshots, the engine only where they can lag.

``decided_since(since, moment)`` equals ``daily.decided_tally(since, moment + 1 s,
cutoff=moment)`` (every clock decided in [since, moment] as of ``moment``: a met clock at its
stop, a breached one at its breach instant), without putting today's decided clocks through
the bulk engine (docs/adr/0023-dashboard-today-from-snapshots.md).

Every ticket change refreshes its clocks with the engine (``tickets.refresh``) and stores the
verdict: ``state``, ``stopped_at``, ``breached_at`` (the breach instant), ``deadline_at``,
``evaluated_at`` and the ``calendar_revision`` it was measured on. A snapshot taken at
``evaluated_at`` <= ``moment`` on the calendar's current revision is what the engine says at
``moment`` as long as no event came since (each one refreshes), except that a running clock
may have passed its deadline in between. So:

* met and breached clocks with a fresh snapshot are counted by SQL (one grouped query over
  the clocks stopped or breached since ``since``: the stopped-at and breached-at indexes);
* the engine evaluates what a snapshot cannot say: running clocks whose stored deadline is
  in [since, moment] (they may have breached since the worker last looked; one exactly at
  its target at a closing time has not) or unknown; every candidate with a stale snapshot
  (measured on an older calendar revision, or evaluated after ``moment``).

A clock counted by SQL is never evaluated, and the other way round.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db import connections, transaction
from django.db.models import (
    Case,
    Count,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)

from servicepact.contracts.metrics import metric_codes
from servicepact.contracts.models import Calendar
from servicepact.reports.daily import Tally, decided_tally
from servicepact.tickets.choices import ClockState
from servicepact.tickets.models import SlaClock, Ticket


def decided_since(since: datetime, moment: datetime) -> Tally:
    """Every contract's clocks decided in [since, moment] as of ``moment`` (whole seconds, as
    the engine counts: ``decided_tally(since, moment + 1 s, cutoff=moment)``)."""
    until = moment.replace(microsecond=0) + timedelta(seconds=1)
    settled, stale = _settled(since, moment, until)
    live = sorted({*stale, *_running_due(since, until), *_running_stale()})
    if not live:
        return settled
    return settled + decided_tally(since, until, cutoff=moment, clock_ids=live)


def _settled(since: datetime, moment: datetime, until: datetime) -> tuple[Tally, list[int]]:
    """The fresh snapshots decided in [since, until) counted by SQL; the ids of the candidates
    stopped or breached since ``since`` whose snapshot is stale."""
    met = Q(state=ClockState.MET, stopped_at__gte=since, stopped_at__lt=until)
    breached = Q(state=ClockState.BREACHED, breached_at__gte=since, breached_at__lt=until)
    # A refresh stores what it knew at ``evaluated_at``: never a later stop (bulk-loaded rows
    # that hold one are left to the engine, which reads such a stop as "still running").
    fresh = Q(evaluated_at__lte=moment, calendar_revision=F("calendar__revision")) & (
        Q(stopped_at__isnull=True) | Q(stopped_at__lte=F("evaluated_at"))
    )
    # Candidates (billing.clockdata.candidate_clocks) that stopped or breached since
    # ``since``: a breached clock that stopped earlier breached earlier too.
    rows = (
        SlaClock.objects.filter(
            Q(stopped_at__gte=since) | Q(stopped_at__isnull=True, breached_at__gte=since),
            started_at__lt=moment,
            metric__in=metric_codes(),
        )
        .exclude(state=ClockState.NOT_REQUIRED)
        .annotate(
            fresh=Case(When(fresh, then=Value(1)), default=Value(0), output_field=IntegerField()),
            # The contract by the ticket's primary key, row by row: a join is planned as a
            # hash join over a scan of every ticket (30 ms at 100k) for a few thousand rows.
            contract=Subquery(
                Ticket.objects.filter(pk=OuterRef("ticket_id")).order_by().values("contract_id")
            ),
        )
        .order_by()
    )
    groups = rows.values_list("contract", "metric", "priority", "fresh").annotate(
        d=Count("pk", filter=met | breached), b=Count("pk", filter=breached), n=Count("pk")
    )
    counted, stale = [], False
    for contract_id, metric, priority, is_fresh, decided, breaches, n in _without_jit(groups):
        if contract_id is None:
            continue  # not under a contract: never on the dashboard
        if not is_fresh:
            stale = stale or n > 0
        elif decided:
            counted.append((contract_id, metric, priority, decided, breaches))
    ids = list(rows.filter(fresh=0).values_list("pk", flat=True)) if stale else []
    return Tally.of_rows(counted), ids


def _running_due(since: datetime, until: datetime) -> list[int]:
    """Running clocks that may have breached in [since, until) since their snapshot (or that
    have no deadline stored): the worker marks a breach at its next pass, the page cannot
    wait for it. By the (state, deadline) index."""
    return list(
        SlaClock.objects.filter(state=ClockState.RUNNING)
        .filter(Q(deadline_at__isnull=True) | Q(deadline_at__gte=since, deadline_at__lt=until))
        .values_list("pk", flat=True)
    )


def _running_stale() -> list[int]:
    """Unstopped clocks measured on an older revision of their calendar (the worker's
    ``recompute_stale_clocks`` re-derives them; until then the engine decides). By the partial
    (calendar, revision) index of unstopped clocks: one range per calendar, usually empty."""
    older = Q()
    for calendar_id, revision in Calendar.objects.values_list("pk", "revision"):
        older |= Q(calendar_id=calendar_id, calendar_revision__lt=revision)
    if not older:
        return []
    return list(
        SlaClock.objects.filter(older, stopped_at__isnull=True).values_list("pk", flat=True)
    )


def _without_jit(query: QuerySet[Any]) -> list[Any]:
    """The rows of ``query``; on PostgreSQL without JIT compilation: the planner costs the
    per-row ticket look-up high enough to compile the query (~15 ms each time) for a few
    milliseconds of work."""
    connection = connections[query.db]
    if connection.vendor != "postgresql":
        return list(query)
    with transaction.atomic(using=query.db), connection.cursor() as cursor:
        cursor.execute("SET LOCAL jit = off")
        return list(query)
