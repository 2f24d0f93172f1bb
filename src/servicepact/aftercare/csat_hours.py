"""The counts behind the dashboard's recent CSAT, per UTC hour, kept by database triggers.

``recent_csat(now)`` (aftercare.csat) reports, over ``[now - 30 days, now]``: the surveys
answered in the window by score, the tickets under a contract resolved in it, and how many of
those have a survey. Counting them from the tickets reads every ticket resolved in 30 days
(linear in the portfolio). ``CsatHour`` holds the same three counts per UTC hour instead, so
a window is the hours wholly inside it (summed from these rows) plus its two partial hours
(counted from the tickets and surveys, through their indexes): docs/adr/0025-csat-hours-and-month-to-date.md.

Rows are deltas, appended by triggers in the transaction of the write itself:

* a ticket row inserted, deleted, or updated in ``resolved_at`` or in whether it has a
  contract: -1 ``resolved`` (and -1 ``answered`` if it has a survey) at the hour of the old
  ``resolved_at``, +1 at the hour of the new one (a reopening clears it, a resolution with a
  back-dated ``at`` lands in its own hour);
* a survey inserted, deleted or updated: +/-1 ``answered`` at the hour its ticket was
  resolved (a survey answered days later updates that day), and +/-1 ``score_N`` at the hour
  it was answered.

So the sum of the rows of an hour is always what the tickets and surveys say of that hour, by
every write path (services, admin, bulk loads). Appending (never updating one row) takes no
lock that concurrent writers would queue on. The worker folds each past hour's rows into one
(``compact``), which keeps the rows a window reads at about one per hour.

On SQLite, Django rebuilds a table for most column changes and the rebuild drops the triggers;
``ensure`` (post_migrate) re-creates any missing trigger and then rebuilds the counts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import connections, transaction
from django.db.models import Count, Q, Sum

from servicepact.aftercare.choices import SCORES

TABLE = "aftercare_csathour"
COLUMNS = "hour, resolved, answered, score_1, score_2, score_3, score_4, score_5"
INDEX = (
    "CREATE INDEX IF NOT EXISTS ticket_contract_resolved_idx ON tickets_ticket (resolved_at)"
    " WHERE contract_id IS NOT NULL AND resolved_at IS NOT NULL"
)


def _no_scores() -> str:
    return ", ".join("0" for _ in SCORES)


def _scores(sign: str, row: str) -> str:
    return ", ".join(f"{sign}CASE WHEN {row}.score = {s} THEN 1 ELSE 0 END" for s in SCORES)


# ------------------------------------------------------------------ PostgreSQL


def _pg_hour(expr: str) -> str:
    return f"date_trunc('hour', {expr} AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'"


def _pg_survey_of(ticket: str) -> str:
    return f"(EXISTS (SELECT 1 FROM aftercare_survey s WHERE s.ticket_id = {ticket}.id))::int"


def _pg_answered(sign: str, row: str) -> str:
    """The ``answered`` delta at the hour the survey's ticket was resolved (if it counts)."""
    return (
        f"INSERT INTO {TABLE} ({COLUMNS}) SELECT {_pg_hour('t.resolved_at')}, 0, {sign}1,"
        f" {_no_scores()} FROM tickets_ticket t WHERE t.id = {row}.ticket_id"
        " AND t.resolved_at IS NOT NULL AND t.contract_id IS NOT NULL;"
        f" INSERT INTO {TABLE} ({COLUMNS}) VALUES ({_pg_hour(f'{row}.answered_at')}, 0, 0,"
        f" {_scores(sign, row)});"
    )


POSTGRES = [
    f"""
CREATE OR REPLACE FUNCTION aftercare_csathour_ticket() RETURNS trigger AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.resolved_at IS NOT NULL
      AND OLD.contract_id IS NOT NULL THEN
    INSERT INTO {TABLE} ({COLUMNS}) VALUES ({_pg_hour("OLD.resolved_at")}, -1,
      -{_pg_survey_of("OLD")}, {_no_scores()});
  END IF;
  IF TG_OP IN ('UPDATE', 'INSERT') AND NEW.resolved_at IS NOT NULL
      AND NEW.contract_id IS NOT NULL THEN
    INSERT INTO {TABLE} ({COLUMNS}) VALUES ({_pg_hour("NEW.resolved_at")}, 1,
      {_pg_survey_of("NEW")}, {_no_scores()});
  END IF;
  RETURN NULL;
END $$ LANGUAGE plpgsql""",
    f"""
CREATE OR REPLACE FUNCTION aftercare_csathour_survey() RETURNS trigger AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    {_pg_answered("-", "OLD")}
  END IF;
  IF TG_OP IN ('UPDATE', 'INSERT') THEN
    {_pg_answered("", "NEW")}
  END IF;
  RETURN NULL;
END $$ LANGUAGE plpgsql""",
]
POSTGRES_TRIGGERS = {
    "aftercare_csathour_ticket_rows": "AFTER INSERT OR DELETE ON tickets_ticket FOR EACH ROW"
    " EXECUTE FUNCTION aftercare_csathour_ticket()",
    "aftercare_csathour_ticket_update": "AFTER UPDATE OF resolved_at, contract_id"
    " ON tickets_ticket FOR EACH ROW WHEN (OLD.resolved_at IS DISTINCT FROM NEW.resolved_at"
    " OR (OLD.contract_id IS NULL) <> (NEW.contract_id IS NULL))"
    " EXECUTE FUNCTION aftercare_csathour_ticket()",
    "aftercare_csathour_survey_rows": "AFTER INSERT OR DELETE OR UPDATE OF ticket_id, score,"
    " answered_at ON aftercare_survey FOR EACH ROW EXECUTE FUNCTION aftercare_csathour_survey()",
}

# ------------------------------------------------------------------ SQLite


def _lite_hour(expr: str) -> str:
    return f"strftime('%Y-%m-%d %H:00:00', {expr})"


def _lite_ticket(sign: str, row: str) -> str:
    return (
        f"INSERT INTO {TABLE} ({COLUMNS}) SELECT {_lite_hour(f'{row}.resolved_at')}, {sign}1,"
        f" {sign}EXISTS (SELECT 1 FROM aftercare_survey s WHERE s.ticket_id = {row}.id),"
        f" {_no_scores()} WHERE {row}.resolved_at IS NOT NULL AND {row}.contract_id IS NOT NULL;"
    )


def _lite_survey(sign: str, row: str) -> str:
    return (
        f"INSERT INTO {TABLE} ({COLUMNS}) SELECT {_lite_hour('t.resolved_at')}, 0, {sign}1,"
        f" {_no_scores()} FROM tickets_ticket t WHERE t.id = {row}.ticket_id"
        " AND t.resolved_at IS NOT NULL AND t.contract_id IS NOT NULL;"
        f" INSERT INTO {TABLE} ({COLUMNS}) VALUES ({_lite_hour(f'{row}.answered_at')}, 0, 0,"
        f" {_scores(sign, row)});"
    )


SQLITE_TRIGGERS = {
    "aftercare_csathour_ticket_insert": "AFTER INSERT ON tickets_ticket BEGIN "
    + _lite_ticket("", "NEW")
    + " END",
    "aftercare_csathour_ticket_delete": "AFTER DELETE ON tickets_ticket BEGIN "
    + _lite_ticket("-", "OLD")
    + " END",
    "aftercare_csathour_ticket_update": "AFTER UPDATE OF resolved_at, contract_id"
    " ON tickets_ticket WHEN OLD.resolved_at IS NOT NEW.resolved_at"
    " OR (OLD.contract_id IS NULL) <> (NEW.contract_id IS NULL) BEGIN "
    + _lite_ticket("-", "OLD")
    + " "
    + _lite_ticket("", "NEW")
    + " END",
    "aftercare_csathour_survey_insert": "AFTER INSERT ON aftercare_survey BEGIN "
    + _lite_survey("", "NEW")
    + " END",
    "aftercare_csathour_survey_delete": "AFTER DELETE ON aftercare_survey BEGIN "
    + _lite_survey("-", "OLD")
    + " END",
    "aftercare_csathour_survey_update": "AFTER UPDATE OF ticket_id, score, answered_at"
    " ON aftercare_survey BEGIN "
    + _lite_survey("-", "OLD")
    + " "
    + _lite_survey("", "NEW")
    + " END",
}


def _rebuild_sql(vendor: str) -> list[str]:
    """Every count from the tickets and surveys as they stand, one row per hour and kind."""
    hour = _pg_hour if vendor == "postgresql" else _lite_hour
    return [
        f"DELETE FROM {TABLE}",
        f"INSERT INTO {TABLE} ({COLUMNS}) SELECT {hour('t.resolved_at')}, COUNT(*),"
        " COUNT(s.id), " + _no_scores() + " FROM tickets_ticket t"
        " LEFT JOIN aftercare_survey s ON s.ticket_id = t.id"
        " WHERE t.resolved_at IS NOT NULL AND t.contract_id IS NOT NULL"
        f" GROUP BY {hour('t.resolved_at')}",
        f"INSERT INTO {TABLE} ({COLUMNS}) SELECT {hour('s.answered_at')}, 0, 0, "
        + ", ".join(f"SUM(CASE WHEN s.score = {n} THEN 1 ELSE 0 END)" for n in SCORES)
        + f" FROM aftercare_survey s GROUP BY {hour('s.answered_at')}",
    ]


def _table_of(trigger: str) -> str:
    return trigger.split(" ON ")[1].split()[0]


def _has_index(connection: Any) -> bool:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT 1 FROM pg_indexes WHERE indexname = 'ticket_contract_resolved_idx'"
            )
        else:
            cursor.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'index'"
                " AND name = 'ticket_contract_resolved_idx'"
            )
        return cursor.fetchone() is not None


def _missing(connection: Any) -> list[str]:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT tgname FROM pg_trigger WHERE tgname LIKE 'aftercare_csathour_%'")
            wanted: Any = POSTGRES_TRIGGERS
        else:
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger'"
                " AND name LIKE 'aftercare_csathour_%'"
            )
            wanted = SQLITE_TRIGGERS
        present = {row[0] for row in cursor.fetchall()}
    return [name for name in wanted if name not in present]


def install(connection: Any) -> None:
    """Creates the index, the trigger functions and the triggers, and rebuilds the counts."""
    if connection.vendor not in ("postgresql", "sqlite"):
        raise NotImplementedError(connection.vendor)
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        if not _has_index(connection):
            # (PostgreSQL refuses CREATE INDEX, even IF NOT EXISTS, on a table with pending
            # deferred constraint checks: ``ensure`` can run inside such a transaction.)
            cursor.execute(INDEX)
        if connection.vendor == "postgresql":
            for sql in POSTGRES:
                cursor.execute(sql)
            for name, body in POSTGRES_TRIGGERS.items():
                cursor.execute(f"DROP TRIGGER IF EXISTS {name} ON {_table_of(body)}")
                cursor.execute(f"CREATE TRIGGER {name} {body}")
        else:
            for name, body in SQLITE_TRIGGERS.items():
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
                cursor.execute(f"CREATE TRIGGER {name} {body}")
        for sql in _rebuild_sql(connection.vendor):
            cursor.execute(sql)


def uninstall(connection: Any) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for name, body in POSTGRES_TRIGGERS.items():
                cursor.execute(f"DROP TRIGGER IF EXISTS {name} ON {_table_of(body)}")
            cursor.execute("DROP FUNCTION IF EXISTS aftercare_csathour_ticket()")
            cursor.execute("DROP FUNCTION IF EXISTS aftercare_csathour_survey()")
        else:
            for name in SQLITE_TRIGGERS:
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
        cursor.execute("DROP INDEX IF EXISTS ticket_contract_resolved_idx")


def ensure(using: str = "default", **_: Any) -> None:
    """After ``migrate`` (and ``flush``): the triggers present, the counts right.

    A missing trigger (a SQLite table rebuild by a later migration) means counts may have
    been missed: everything is installed again and rebuilt. ``flush`` on SQLite deletes the
    tables one by one in no set order, so the counts can outlive the tickets they counted:
    with no ticket and no survey left, no count may remain either."""
    from servicepact.aftercare.models import CsatHour, Survey
    from servicepact.tickets.models import Ticket

    connection = connections[using]
    if TABLE not in connection.introspection.table_names():
        return  # migrated backwards, or not yet
    if _missing(connection):
        install(connection)
    elif (
        not Ticket.objects.using(using).exists()
        and not Survey.objects.using(using).exists()
        and CsatHour.objects.using(using).exists()
    ):
        CsatHour.objects.using(using).all().delete()


def _hour(moment: datetime) -> datetime:
    return moment.replace(minute=0, second=0, microsecond=0)


def compact(now: datetime) -> int:
    """Folds the rows of each hour before ``now``'s into one (the worker); returns the rows
    removed. Rows appended meanwhile (a late survey of an old hour) are left for next time."""
    from servicepact.aftercare.models import CsatHour

    with transaction.atomic():
        rows = list(
            CsatHour.objects.select_for_update()
            .filter(hour__lt=_hour(now))
            .order_by("hour", "pk")
            .values_list("pk", "hour", *_COUNTS)
        )
        by_hour: dict[datetime, list[tuple[Any, ...]]] = {}
        for row in rows:
            by_hour.setdefault(row[1], []).append(row)
        gone: list[int] = []
        new = []
        for hour, group in by_hour.items():
            if len(group) < 2:
                continue
            gone += [r[0] for r in group]
            totals = [sum(r[i] for r in group) for i in range(2, 2 + len(_COUNTS))]
            if any(totals):
                new.append(CsatHour(hour=hour, **dict(zip(_COUNTS, totals, strict=True))))
        for start in range(0, len(gone), 500):
            CsatHour.objects.filter(pk__in=gone[start : start + 500]).delete()
        CsatHour.objects.bulk_create(new)
    return len(gone) - len(new)


_COUNTS = ("resolved", "answered", *(f"score_{s}" for s in SCORES))


@dataclass(frozen=True)
class Window:
    resolved: int
    answered: int
    distribution: dict[int, int]


def window(since: datetime, now: datetime) -> Window:
    """What the tickets and surveys say of ``[since, now]`` (both ends in): the hours wholly
    inside from the stored counts, the partial hours at both ends from the rows."""
    from servicepact.aftercare.models import CsatHour, Survey
    from servicepact.tickets.models import Ticket

    first = _hour(since) if since == _hour(since) else _hour(since) + timedelta(hours=1)
    last = _hour(now)  # [last, now] is the current, partial hour
    if first >= last:  # no whole hour inside: all from the rows
        edges = Q(resolved_at__gte=since, resolved_at__lte=now)
        answered_edges = Q(answered_at__gte=since, answered_at__lte=now)
        stored: dict[str, Any] = {}
    else:
        edges = Q(resolved_at__gte=since, resolved_at__lt=first) | Q(
            resolved_at__gte=last, resolved_at__lte=now
        )
        answered_edges = Q(answered_at__gte=since, answered_at__lt=first) | Q(
            answered_at__gte=last, answered_at__lte=now
        )
        stored = CsatHour.objects.filter(hour__gte=first, hour__lt=last).aggregate(
            **{c: Sum(c) for c in _COUNTS}
        )
    live = (
        Ticket.objects.filter(edges, contract__isnull=False, resolved_at__isnull=False)
        .order_by()
        .aggregate(total=Count("pk"), answered=Count("pk", filter=Q(survey__isnull=False)))
    )
    scores = dict(
        Survey.objects.filter(answered_edges)
        .order_by()
        .values_list("score")
        .annotate(n=Count("pk"))
    )
    return Window(
        resolved=live["total"] + (stored.get("resolved") or 0),
        answered=live["answered"] + (stored.get("answered") or 0),
        distribution={s: int(scores.get(s, 0)) + (stored.get(f"score_{s}") or 0) for s in SCORES},
    )
