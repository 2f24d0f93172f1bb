"""The number of open tickets in each SLA state at ``now``, without reading every open ticket.

``count_by_state`` over all open tickets reads each one (50k at a million tickets). The same
numbers come from two smaller reads, in ONE statement (one snapshot):

1. ``OpenSlaCount``: per stored state (``Ticket.sla_state``), the open tickets in it, kept by
   database triggers (migration 0017) — summed over the few rows the worker has not folded yet.
2. The stale tickets: those whose stored state a running clock has overtaken since it was
   stored (``tickets.sla_state.state_filters``: past ``breach_from`` but stored not breached;
   past ``at_risk_from`` but stored neither breached nor at risk). Each is moved from its
   stored state to the one it is in now. Read through the partial indexes
   ``ticket_stale_breach_idx`` and ``ticket_stale_risk_idx``, which hold only open tickets
   not yet stored in the state their column leads to: the range up to ``now`` is exactly the
   stale ones, as many as the worker has not caught up with.

``tests/test_open_counts.py`` holds the result equal to ``count_by_state`` (ADR 0024).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from importlib import import_module
from types import SimpleNamespace
from typing import Any

from django.db import connection, connections, transaction

from servicepact.tickets.choices import OPEN_STATUSES
from servicepact.tickets.models import OpenSlaCount, Ticket
from servicepact.tickets.sla_state import SlaState, state_filters

_OPEN = "status IN ({})".format(", ".join(f"'{s.value}'" for s in OPEN_STATUSES))
_BREACHED = SlaState.BREACHED.value
_AT_RISK = SlaState.AT_RISK.value
# The conditions are spelled as the partial indexes' (so the planner may use them); the
# constants are ours, not input. Source 0: stored counts; 1: now breached; 2: now at risk.
_COUNTS = connection.ops.quote_name(OpenSlaCount._meta.db_table)
_TICKETS = connection.ops.quote_name(Ticket._meta.db_table)
_SQL = f"""SELECT 0, sla_state, SUM(n) FROM {_COUNTS} GROUP BY sla_state
UNION ALL
SELECT 1, sla_state, COUNT(*) FROM {_TICKETS}
 WHERE {_OPEN} AND NOT (sla_state = '{_BREACHED}') AND breach_from IS NOT NULL
   AND breach_from <= %s
 GROUP BY sla_state
UNION ALL
SELECT 2, sla_state, COUNT(*) FROM {_TICKETS}
 WHERE {_OPEN} AND NOT (sla_state IN ('{_BREACHED}', '{_AT_RISK}')) AND at_risk_from IS NOT NULL
   AND at_risk_from <= %s AND (breach_from IS NULL OR breach_from > %s)
 GROUP BY sla_state
"""


def open_counts(now: datetime) -> tuple[int, dict[str, int]]:
    """What ``count_by_state(Ticket.objects.filter(status__in=OPEN_STATUSES), now)`` returns:
    the number of open tickets and the number in each SLA state at ``now``."""
    at = connection.ops.adapt_datetimefield_value(now)
    stored: dict[str, int] = defaultdict(int)
    moved: list[tuple[str, str, int]] = []
    with connection.cursor() as cursor:
        cursor.execute(_SQL, [at, at, at])
        for source, state, n in cursor.fetchall():
            if source == 0:
                stored[state] += int(n)
            else:
                moved.append((state, _BREACHED if source == 1 else _AT_RISK, int(n)))
    tally = {state: stored[state] for state in state_filters(now)}
    for was, became, n in moved:
        if was in tally:
            tally[was] -= n
        tally[became] += n
    return sum(stored.values()), tally


def compact() -> int:
    """Folds the counts' rows into one per state (the worker, each pass); returns the number
    of rows folded. Concurrent writers only append and are never waited for; a concurrent
    ``compact`` skips the rows the other one deleted, and readers see either side of it."""
    if connection.vendor != "postgresql":
        return 0  # SQLite's triggers keep one row per state already
    table = OpenSlaCount._meta.db_table
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) > COUNT(DISTINCT sla_state) FROM {table}")
        row = cursor.fetchone()
        if not (row and row[0]):
            return 0  # one row per state: nothing to fold
        cursor.execute(
            f"WITH gone AS (DELETE FROM {table} RETURNING sla_state, n), "
            f"kept AS (INSERT INTO {table} (sla_state, n) "
            "SELECT sla_state, SUM(n) FROM gone GROUP BY sla_state HAVING SUM(n) <> 0) "
            "SELECT COUNT(*) FROM gone"
        )
        row = cursor.fetchone()
    return int(row[0]) if row else 0


# ---------------------------------------------------------------- the triggers stay present

_MIGRATION = "servicepact.tickets.migrations.0017_open_sla_counts"
_TRIGGERS = (
    "tickets_open_sla_insert",
    "tickets_open_sla_update",
    "tickets_open_sla_delete",
)


def _present_triggers(connection: Any) -> set[str]:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT tgname FROM pg_trigger WHERE tgname LIKE 'tickets_open_sla_%'")
        else:
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger'"
                " AND name LIKE 'tickets_open_sla_%'"
            )
        return {row[0] for row in cursor.fetchall()}


def ensure(using: str = "default", **_: Any) -> bool:
    """After ``migrate`` (post_migrate): the counting triggers present, else installed again and
    the counts rebuilt from the tickets; True when it had to.

    SQLite rebuilds a table for most column changes (Django's ``_remake_table``), which drops
    the table's triggers without a word: a later migration of ``tickets_ticket`` would leave
    the counts drifting. The triggers and their installer are migration 0017's (one copy,
    ``aftercare.csat_hours.ensure`` does the same for its own)."""
    connection = connections[using]
    if OpenSlaCount._meta.db_table not in connection.introspection.table_names():
        return False  # migrated backwards, or not yet
    if set(_TRIGGERS) <= _present_triggers(connection):
        return False
    migration = import_module(_MIGRATION)
    editor = SimpleNamespace(connection=connection)  # all the migration's functions use
    with transaction.atomic(using=using):
        migration.uninstall(None, editor)
        migration.install(None, editor)  # triggers, then the counts from the tickets
    return True
