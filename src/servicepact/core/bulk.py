"""Updating many rows of one model at once, each with its own values.

``update_rows(rows, fields)`` writes ``fields`` of each instance with one prepared
``UPDATE … WHERE id = %s`` run by ``executemany`` (psycopg 3 pipelines it; SQLite runs it
in-process). Django's ``bulk_update`` builds a ``CASE WHEN`` expression per row and field,
which costs more CPU to compile than the update itself for a few hundred rows.
Values go through each field's ``get_db_prep_save``, as ``save()`` would do; no signals,
no ``save()`` override runs (like ``QuerySet.update``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connections, models, router


def concrete_field(model: type[models.Model], name: str) -> tuple[models.Field[Any, Any], str]:
    """The field ``name`` (or its attname) of ``model`` and its column, for raw SQL.

    Raises ValueError for a name without a column of its own (a reverse relation, a
    many-to-many field, a generic foreign key): such a name cannot be written in place."""
    field = model._meta.get_field(name)
    if not isinstance(field, models.Field) or field.column is None:
        raise ValueError(f"{model.__name__}.{name} has no column")
    return field, field.column


def update_rows(rows: Sequence[models.Model], fields: Sequence[str]) -> int:
    """Writes ``fields`` (names or attnames) of every saved instance in ``rows``."""
    if not rows:
        return 0
    model = type(rows[0])
    db = router.db_for_write(model)
    connection = connections[db]
    meta = model._meta
    chosen = [concrete_field(model, name) for name in fields]
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(column)} = %s" for _, column in chosen)
    _, pk = concrete_field(model, meta.pk.name)
    sql = f"UPDATE {quote(meta.db_table)} SET {assignments} WHERE {quote(pk)} = %s"
    params = [
        [
            *(f.get_db_prep_save(getattr(row, f.attname), connection) for f, _ in chosen),
            row.pk,
        ]
        for row in rows
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)
    return len(params)
