"""The full-text index of articles, outside the ORM (docs/adr/0015-kb-search.md).

SQLite: an external-content FTS5 table over ``search_title``/``search_body``, kept in step by
triggers (so every write path, bulk inserts included, is indexed). PostgreSQL: a generated
``search_vector`` column (title weight A, body D) and its GIN index.

Careful: a later migration that makes Django rebuild ``kb_article`` on SQLite (most column
changes) drops the triggers with the old table; it must run ``SQLITE_TRIGGERS`` again.
"""

from __future__ import annotations

from typing import Any

from django.db import migrations

SQLITE_TABLE = (
    "CREATE VIRTUAL TABLE kb_article_fts USING fts5("
    "search_title, search_body, content='kb_article', content_rowid='id',"
    " tokenize='porter unicode61')"
)
SQLITE_TRIGGERS = [
    "CREATE TRIGGER kb_article_fts_insert AFTER INSERT ON kb_article BEGIN"
    " INSERT INTO kb_article_fts(rowid, search_title, search_body)"
    " VALUES (new.id, new.search_title, new.search_body); END",
    "CREATE TRIGGER kb_article_fts_delete AFTER DELETE ON kb_article BEGIN"
    " INSERT INTO kb_article_fts(kb_article_fts, rowid, search_title, search_body)"
    " VALUES ('delete', old.id, old.search_title, old.search_body); END",
    "CREATE TRIGGER kb_article_fts_update AFTER UPDATE OF search_title, search_body"
    " ON kb_article BEGIN"
    " INSERT INTO kb_article_fts(kb_article_fts, rowid, search_title, search_body)"
    " VALUES ('delete', old.id, old.search_title, old.search_body);"
    " INSERT INTO kb_article_fts(rowid, search_title, search_body)"
    " VALUES (new.id, new.search_title, new.search_body); END",
]
POSTGRES = [
    "ALTER TABLE kb_article ADD COLUMN search_vector tsvector GENERATED ALWAYS AS ("
    "setweight(to_tsvector('english'::regconfig, search_title), 'A') ||"
    " setweight(to_tsvector('english'::regconfig, search_body), 'D')) STORED",
    "CREATE INDEX kb_article_search_gin ON kb_article USING gin (search_vector)",
]


def forwards(apps: Any, schema_editor: Any) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute(SQLITE_TABLE)
        for sql in SQLITE_TRIGGERS:
            schema_editor.execute(sql)
        schema_editor.execute("INSERT INTO kb_article_fts(kb_article_fts) VALUES ('rebuild')")
    elif vendor == "postgresql":
        for sql in POSTGRES:
            schema_editor.execute(sql)


def backwards(apps: Any, schema_editor: Any) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        for name in ("insert", "delete", "update"):
            schema_editor.execute(f"DROP TRIGGER IF EXISTS kb_article_fts_{name}")
        schema_editor.execute("DROP TABLE IF EXISTS kb_article_fts")
    elif vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS kb_article_search_gin")
        schema_editor.execute("ALTER TABLE kb_article DROP COLUMN IF EXISTS search_vector")


class Migration(migrations.Migration):
    dependencies = [("kb", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
