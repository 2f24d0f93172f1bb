"""The month sums of work logs (``WorkMonthSum``), kept by every work-log write.

``billing.services`` calls ``add_log`` after creating a log, ``remove_log`` before deleting
one, and both around an edit (the old values out, the new in), inside the write's
transaction. A row is keyed by (contract, month, billable, work type, role, category) and holds the
minutes, the out-of-hours minutes and the number of logs; a row whose last log goes is
deleted, so the table always equals the sums ``sums_from_logs`` recomputes from the logs
(tested with creates, edits and deletes). The period close (``billing.charges``) reads it:
a few rows per contract instead of the month's logs.

``rebuild`` recomputes every row from the logs (the migration's backfill, a repair, the
benchmark's data, which is inserted in bulk without the services).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, F, Sum

from servicepact.billing.models import WorkLog, WorkMonthSum
from servicepact.billing.periods import Period
from servicepact.core.sql import ids_in

Key = tuple[int, str, bool, str, str, str]  # contract, period, billable, work type, role, category
Sums = dict[Key, tuple[int, int, int]]  # minutes, out-of-hours minutes, logs

_TABLE = WorkMonthSum._meta.db_table
_UPSERT = f"""
INSERT INTO {_TABLE}
    (contract_id, period, billable, work_type, role, category, minutes, out_of_hours_minutes,
     logs)
VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)
ON CONFLICT (contract_id, period, billable, work_type, role, category) DO UPDATE SET
    minutes = {_TABLE}.minutes + excluded.minutes,
    out_of_hours_minutes = {_TABLE}.out_of_hours_minutes + excluded.out_of_hours_minutes,
    logs = {_TABLE}.logs + excluded.logs
"""


def key_of(log: WorkLog) -> Key | None:
    """The row a log counts in; None for a ticket without a contract (nothing is charged)."""
    contract_id = log.ticket.contract_id
    if contract_id is None:
        return None
    period = str(Period(log.date.year, log.date.month))
    return (contract_id, period, log.billable, log.work_type, log.role, log.category)


def add_log(log: WorkLog) -> None:
    """Counts a new (or edited, with its new values) log in its month (one upsert)."""
    key = key_of(log)
    if key is None:
        return
    with connection.cursor() as cursor:
        cursor.execute(_UPSERT, [*key, log.minutes, log.out_of_hours_minutes, 1])


def remove_log(log: WorkLog) -> None:
    """Takes a deleted (or edited, with its old values) log out of its month; the row goes
    with its last log."""
    key = key_of(log)
    if key is None:
        return
    contract_id, period, billable, work_type, role, category = key
    row = WorkMonthSum.objects.filter(
        contract_id=contract_id,
        period=period,
        billable=billable,
        work_type=work_type,
        role=role,
        category=category,
    )
    row.filter(logs__lte=1).delete()
    row.update(
        minutes=F("minutes") - log.minutes,
        out_of_hours_minutes=F("out_of_hours_minutes") - log.out_of_hours_minutes,
        logs=F("logs") - 1,
    )


def sums_from_logs(period: Period | None = None) -> Sums:
    """The sums recomputed from the logs themselves (the reference for tests and ``rebuild``)."""
    logs = WorkLog.objects.filter(ticket__contract__isnull=False)
    if period is not None:
        logs = logs.filter(date__gte=period.first_day, date__lte=period.last_day)
    result: Sums = {}
    rows = (
        logs.values_list("ticket__contract_id", "date", "billable", "work_type", "role", "category")
        .annotate(m=Sum("minutes"), o=Sum("out_of_hours_minutes"), n=Count("id"))
        .order_by()
    )
    for contract_id, day, billable, work_type, role, category, minutes, ooh, count in rows:
        key = (contract_id, str(Period(day.year, day.month)), billable, work_type, role, category)
        m, o, n = result.get(key, (0, 0, 0))
        result[key] = (m + minutes, o + ooh, n + count)
    return result


def stored_sums(period: Period | None = None) -> Sums:
    rows = WorkMonthSum.objects.all()
    if period is not None:
        rows = rows.filter(period=str(period))
    return {
        (c, p, b, t, r, cat): (m, o, n)
        for c, p, b, t, r, cat, m, o, n in rows.values_list(
            "contract_id",
            "period",
            "billable",
            "work_type",
            "role",
            "category",
            "minutes",
            "out_of_hours_minutes",
            "logs",
        )
    }


@transaction.atomic
def rebuild(period: Period | None = None) -> int:
    """Replaces the stored sums (of ``period``, or all) by the logs' sums; returns the rows."""
    from servicepact.core.bulk import insert_rows

    stale = WorkMonthSum.objects.all()
    if period is not None:
        stale = stale.filter(period=str(period))
    stale.delete()
    sums = sums_from_logs(period)
    insert_rows(
        WorkMonthSum,
        (
            "contract",
            "period",
            "billable",
            "work_type",
            "role",
            "category",
            "minutes",
            "out_of_hours_minutes",
            "logs",
        ),
        ((*key, *values) for key, values in sums.items()),
    )
    return len(sums)


def month_rows(contract_ids: Sequence[int], period: Period) -> list[tuple[Any, ...]]:
    """(contract, billable, work type, role, category, minutes, out-of-hours minutes) of
    the month."""
    return list(
        WorkMonthSum.objects.filter(ids_in("contract_id", contract_ids), period=str(period))
        .values_list(
            "contract_id",
            "billable",
            "work_type",
            "role",
            "category",
            "minutes",
            "out_of_hours_minutes",
        )
        .order_by()
    )
