"""Ranked full-text search over articles, in SQL, on SQLite FTS5 and PostgreSQL.

One query per backend (docs/adr/0015-kb-search.md):

- SQLite: the FTS5 table ``kb_article_fts`` (``porter unicode61`` over the prepared text),
  ranked by ``bm25`` with the title weighted 10 and the body 1.
- PostgreSQL: the generated ``search_vector`` column (``english`` configuration; the title
  weight A, the body D) with a GIN index, ranked by ``ts_rank``.

Terms: every term must match first; when no article has them all, any term may match
(ranked, so the articles with more of them come first). Tenancy is part of the SQL (a contact:
public articles and its own customer's; never internal), and so is the limit: no article is
read that is not returned.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import connection

from servicepact.customers.selectors import contact_for, is_staff
from servicepact.kb.choices import Visibility
from servicepact.kb.models import Article
from servicepact.kb.text import Term, fts5_query, query_terms, tsquery

DEFAULT_LIMIT = 20
MAX_LIMIT = 50
TITLE_WEIGHT = 10.0
BODY_WEIGHT = 1.0


@dataclass(frozen=True)
class Scope:
    """Which articles a search may return: everything (staff), a customer's view, or none."""

    everything: bool = False
    customer_id: int | None = None
    public_only: bool = False

    @property
    def nothing(self) -> bool:
        return not self.everything and self.customer_id is None and not self.public_only


def scope_of(user: Any) -> Scope:
    if is_staff(user):
        return Scope(everything=True)
    contact = contact_for(user)
    if contact is None:
        return Scope()
    return Scope(customer_id=contact.customer_id)


def _where(scope: Scope, kind: str, language: str) -> tuple[str, list[Any]]:
    sql: list[str] = []
    params: list[Any] = []
    if scope.public_only:
        sql.append("a.visibility = %s")
        params.append(Visibility.PUBLIC.value)
    elif not scope.everything:
        sql.append("(a.visibility = %s OR (a.visibility = %s AND a.customer_id = %s))")
        params += [Visibility.PUBLIC.value, Visibility.CUSTOMER.value, scope.customer_id]
    if kind:
        sql.append("a.kind = %s")
        params.append(kind)
    if language:
        sql.append("a.language = %s")
        params.append(language)
    return "".join(f" AND {part}" for part in sql), params


def _ranked_ids(
    terms: list[Term], *, every: bool, scope: Scope, limit: int, kind: str, language: str
) -> list[tuple[int, float]]:
    where, params = _where(scope, kind, language)
    if connection.vendor == "postgresql":
        sql = (
            "SELECT a.id, ts_rank(a.search_vector, q) AS score"
            " FROM kb_article a, to_tsquery('english', %s) q"
            f" WHERE a.search_vector @@ q{where}"
            " ORDER BY score DESC, a.id LIMIT %s"
        )
        args = [tsquery(terms, every=every), *params, limit]
    else:
        sql = (
            f"SELECT a.id, -bm25(kb_article_fts, {TITLE_WEIGHT}, {BODY_WEIGHT}) AS score"
            " FROM kb_article_fts JOIN kb_article a ON a.id = kb_article_fts.rowid"
            f" WHERE kb_article_fts MATCH %s{where}"
            " ORDER BY score DESC, a.id LIMIT %s"
        )
        args = [fts5_query(terms, every=every), *params, limit]
    with connection.cursor() as cursor:
        cursor.execute(sql, args)
        return [(int(row[0]), float(row[1])) for row in cursor.fetchall()]


def search_articles(
    user: Any = None,
    query: str = "",
    *,
    scope: Scope | None = None,
    limit: int = DEFAULT_LIMIT,
    kind: str = "",
    language: str = "",
) -> list[Article]:
    """The best-ranked articles for ``query`` that ``user`` (or ``scope``) may read, best
    first, each with ``rank`` set (higher is better; comparable within one search only)."""
    scope = scope or scope_of(user)
    terms = query_terms(query)
    if not terms or scope.nothing:
        return []
    limit = max(1, min(limit, MAX_LIMIT))
    options = {"scope": scope, "limit": limit, "kind": kind, "language": language}
    hits = _ranked_ids(terms, every=True, **options)  # type: ignore[arg-type]
    if not hits and len(terms) > 1:
        hits = _ranked_ids(terms, every=False, **options)  # type: ignore[arg-type]
    rows = Article.objects.select_related("customer").in_bulk([pk for pk, _ in hits])
    found = []
    for pk, score in hits:
        article = rows[pk]
        article.rank = score  # type: ignore[attr-defined]
        found.append(article)
    return found
