"""The desk search's subject index: a pg_trgm GIN index over ``UPPER(subject)`` on PostgreSQL.

Django's ``icontains`` on PostgreSQL compiles to ``UPPER("subject"::text) LIKE UPPER(%s)``;
the index is on exactly that expression, so the planner can answer a ``%term%`` search (of 3
or more characters) from the index instead of reading every ticket. ``pg_trgm`` is a trusted
extension (PostgreSQL 13+: the database owner may create it); where it cannot be created the
migration skips the index with a warning and the search still works, scanning the table.
SQLite has no counterpart here (docs/performance.md, "Desk search"): it scans the subject.
"""

from __future__ import annotations

import warnings

from django.db import migrations, transaction
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

INDEX = "ticket_subject_trgm_idx"


def create(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    try:
        with transaction.atomic(using=schema_editor.connection.alias):
            schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except Exception as exc:  # no privilege or no contrib package: search without the index
        warnings.warn(f"pg_trgm not available, desk search scans subjects: {exc}", stacklevel=1)
        return
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {INDEX} ON tickets_ticket "
        "USING gin ((UPPER(subject::text)) gin_trgm_ops)"
    )
    # Statistics of the indexed expression: without them the planner guesses that a common
    # word matches a handful of rows and reads them all through the index before sorting.
    schema_editor.execute("ANALYZE tickets_ticket")


def drop(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("tickets", "0007_event_kind_at_index")]

    operations = [migrations.RunPython(create, drop)]
