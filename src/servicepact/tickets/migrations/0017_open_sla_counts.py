"""Counts of open tickets per stored SLA state, kept by the database itself (ADR 0024).

Triggers on ``tickets_ticket`` add to ``tickets_openslacount`` every change of the number of
open tickets in a stored state: any insert, update (status or ``sla_state``) or delete, by the
ORM, ``QuerySet.update``, ``bulk_create``, COPY or raw SQL. PostgreSQL: statement-level
triggers with transition tables append at most one row per state and statement (a COPY of a
million tickets adds a handful of rows; writers never update a shared row, so they never wait
for each other or deadlock). SQLite (one writer at a time): row triggers that keep one row
per state. The table starts with the current open tickets, under the lock CREATE TRIGGER
takes, so no write falls between the count and the triggers.

The open statuses and state names are written out here (a migration is history): the test
``test_open_counts.test_migration_knows_the_open_statuses`` holds them equal to the code's.
"""

from django.db import migrations, models

OPEN = ("new", "acknowledged", "in_progress", "waiting", "solution_proposed")
IS_OPEN = "status IN ({})".format(", ".join(f"'{s}'" for s in OPEN))

POSTGRES = f"""
CREATE FUNCTION tickets_open_sla_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO tickets_openslacount (sla_state, n)
    SELECT sla_state, COUNT(*) FROM new_rows WHERE {IS_OPEN} GROUP BY sla_state;
    RETURN NULL;
END $$;
CREATE FUNCTION tickets_open_sla_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO tickets_openslacount (sla_state, n)
    SELECT sla_state, SUM(d) FROM (
        SELECT sla_state, -1 AS d FROM old_rows WHERE {IS_OPEN}
        UNION ALL
        SELECT sla_state, 1 AS d FROM new_rows WHERE {IS_OPEN}
    ) AS delta GROUP BY sla_state HAVING SUM(d) <> 0;
    RETURN NULL;
END $$;
CREATE FUNCTION tickets_open_sla_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO tickets_openslacount (sla_state, n)
    SELECT sla_state, -COUNT(*) FROM old_rows WHERE {IS_OPEN} GROUP BY sla_state;
    RETURN NULL;
END $$;
CREATE FUNCTION tickets_open_sla_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM tickets_openslacount;
    RETURN NULL;
END $$;
CREATE TRIGGER tickets_open_sla_insert AFTER INSERT ON tickets_ticket
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION tickets_open_sla_insert();
CREATE TRIGGER tickets_open_sla_update AFTER UPDATE ON tickets_ticket
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION tickets_open_sla_update();
CREATE TRIGGER tickets_open_sla_delete AFTER DELETE ON tickets_ticket
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION tickets_open_sla_delete();
CREATE TRIGGER tickets_open_sla_truncate AFTER TRUNCATE ON tickets_ticket
    FOR EACH STATEMENT EXECUTE FUNCTION tickets_open_sla_truncate();
"""

POSTGRES_DROP = """
DROP TRIGGER IF EXISTS tickets_open_sla_insert ON tickets_ticket;
DROP TRIGGER IF EXISTS tickets_open_sla_update ON tickets_ticket;
DROP TRIGGER IF EXISTS tickets_open_sla_delete ON tickets_ticket;
DROP TRIGGER IF EXISTS tickets_open_sla_truncate ON tickets_ticket;
DROP FUNCTION IF EXISTS tickets_open_sla_insert();
DROP FUNCTION IF EXISTS tickets_open_sla_update();
DROP FUNCTION IF EXISTS tickets_open_sla_delete();
DROP FUNCTION IF EXISTS tickets_open_sla_truncate();
"""


def _sqlite_add(row: str, sign: str, create: bool) -> str:
    """SQLite: add ``sign`` 1 to the one row of ``row``'s state if ``row`` is open; an increment
    creates the row when missing (a decrement never has to: the ticket was counted)."""
    where = f"{row}.{IS_OPEN}"
    state = f"{row}.sla_state"
    make = (
        f"INSERT INTO tickets_openslacount (sla_state, n) SELECT {state}, 0 WHERE {where} "
        f"AND NOT EXISTS (SELECT 1 FROM tickets_openslacount WHERE sla_state = {state});\n"
        if create
        else ""
    )
    return make + (
        f"UPDATE tickets_openslacount SET n = n {sign} 1 WHERE {where} AND id = "
        f"(SELECT MIN(id) FROM tickets_openslacount WHERE sla_state = {state});\n"
    )


SQLITE = [
    "CREATE TRIGGER tickets_open_sla_insert AFTER INSERT ON tickets_ticket BEGIN\n"
    + _sqlite_add("NEW", "+", create=True)
    + "END",
    "CREATE TRIGGER tickets_open_sla_update AFTER UPDATE ON tickets_ticket "
    "WHEN OLD.status IS NOT NEW.status OR OLD.sla_state IS NOT NEW.sla_state BEGIN\n"
    + _sqlite_add("OLD", "-", create=False)
    + _sqlite_add("NEW", "+", create=True)
    + "END",
    "CREATE TRIGGER tickets_open_sla_delete AFTER DELETE ON tickets_ticket BEGIN\n"
    + _sqlite_add("OLD", "-", create=False)
    + "END",
]

SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS tickets_open_sla_insert",
    "DROP TRIGGER IF EXISTS tickets_open_sla_update",
    "DROP TRIGGER IF EXISTS tickets_open_sla_delete",
]

FILL = (
    "INSERT INTO tickets_openslacount (sla_state, n) "
    f"SELECT sla_state, COUNT(*) FROM tickets_ticket WHERE {IS_OPEN} GROUP BY sla_state"
)


def install(apps, schema_editor):  # type: ignore[no-untyped-def]
    vendor = schema_editor.connection.vendor
    with schema_editor.connection.cursor() as cursor:
        if vendor == "postgresql":
            cursor.execute(POSTGRES)
        elif vendor == "sqlite":
            for statement in SQLITE:
                cursor.execute(statement)
        else:
            raise NotImplementedError(f"open SLA counts: no triggers for {vendor}")
        cursor.execute("DELETE FROM tickets_openslacount")
        cursor.execute(FILL)


def uninstall(apps, schema_editor):  # type: ignore[no-untyped-def]
    vendor = schema_editor.connection.vendor
    with schema_editor.connection.cursor() as cursor:
        if vendor == "postgresql":
            cursor.execute(POSTGRES_DROP)
        else:
            for statement in SQLITE_DROP:
                cursor.execute(statement)


class Migration(migrations.Migration):

    dependencies = [
        ('tickets', '0016_clock_indexes_for_dashboard_today'),
    ]

    operations = [
        migrations.CreateModel(
            name='OpenSlaCount',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('sla_state', models.CharField(max_length=20)),
                ('n', models.BigIntegerField()),
            ],
        ),
        migrations.AddIndex(
            model_name='ticket',
            index=models.Index(condition=models.Q(('status__in', ['new', 'acknowledged', 'in_progress', 'waiting', 'solution_proposed']), models.Q(('sla_state', 'breached'), _negated=True), ('breach_from__isnull', False)), fields=['breach_from'], include=('sla_state',), name='ticket_stale_breach_idx'),
        ),
        migrations.AddIndex(
            model_name='ticket',
            index=models.Index(condition=models.Q(('status__in', ['new', 'acknowledged', 'in_progress', 'waiting', 'solution_proposed']), models.Q(('sla_state__in', ['breached', 'at_risk']), _negated=True), ('at_risk_from__isnull', False)), fields=['at_risk_from'], include=('sla_state', 'breach_from'), name='ticket_stale_risk_idx'),
        ),
        migrations.RunPython(install, uninstall, elidable=False),
    ]
