"""The ticket list's rows read as plain values and written as JSON at once (issue 12).

``GET /api/v1/tickets`` answered 50 rows by building ~450 model instances (the tickets and
eight related rows each, with the clocks prefetched) and letting django-ninja validate each
row against ``TicketList`` through its attribute getters before ``json.dumps``: about two
thirds of the request's CPU. Here a page is read as values in two queries whatever its size
(plus ``core.pagination``'s capped count when more rows follow): the page of tickets with
their related names joined onto it (``_fetch_page``), and the page's clock snapshots in
display order (``_page_clocks``). Each row is built in ``TicketList``'s field order with the
same rules as ``ticket_render.render_summary`` (the coverage explanation, the contact's view
of a monitoring subject, user names through an unsaved user), instants are written as
``DjangoJSONEncoder`` writes them (``_instant``), and the page is encoded with ninja's own
encoder. ``test_ticket_rows.py`` checks that the body equals, byte for byte, what validating
the model-built rows through ``TicketList`` gives; docs/performance.md has the profile.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.db import connections
from django.db.models import Field, Model, QuerySet
from django.http import HttpResponse
from django.utils.translation import gettext as _
from ninja.responses import NinjaJSONEncoder

from servicepact.api.common import user_ref
from servicepact.assets.coverage import explain
from servicepact.contracts.models import SlaMetric
from servicepact.core.pagination import PageQuery, api_page
from servicepact.tickets.choices import Channel
from servicepact.tickets.models import SlaClock, Ticket

# The ticket's own columns, read by the page query (``values()``: the cursor's keys among them).
TICKET_FIELDS = (
    "id", "number", "kind", "status", "subject", "channel", "category", "impact", "urgency",
    "priority", "priority_name", "waiting_reason", "support_level", "opened_at", "acknowledged_at",
    "resolved_at", "closed_at", "next_deadline_at", "coverage", "coverage_explanation",
    "coverage_facts", "coverage_expires_on", "contract_id", "customer_id", "contact_id",
    "asset_id", "site_id", "assignee_id", "team_id", "contract_version_id", "warranty_id",
)  # fmt: skip
# The related names a row shows: (forward relation, ((its field, key in the row), ...)), joined
# onto the page of at most ``limit + 1`` tickets (``_fetch_page``).
RELATED = (
    ("customer", (("name", "customer__name"),)),
    ("contact", (("name", "contact__name"),)),
    ("asset", (("hostname", "asset__hostname"),)),
    ("site", (("name", "site__name"),)),
    ("assignee", (
        ("username", "assignee__username"), ("first_name", "assignee__first_name"),
        ("last_name", "assignee__last_name"),
    )),
    ("team", (("name", "team__name"),)),
    ("contract", (("number", "contract__number"),)),
    ("contract_version", (("number", "contract_version__number"),)),
)  # fmt: skip
CLOCK_FIELDS = (
    "ticket_id", "metric", "state", "target_seconds", "deadline_at", "breached_at",
    "evaluated_at",
)  # fmt: skip


def _field(model: type[Model], name: str) -> Field[Any, Any]:
    found = model._meta.get_field(name)
    if not isinstance(found, Field):
        raise TypeError(f"{model.__name__}.{name} is not a column")
    return found


def _column(model: type[Model], name: str) -> str:
    return str(_field(model, name).column)


def _fetch_page(window: QuerySet[Any]) -> list[dict[str, Any]]:
    """The page of ``window`` (ordered and sliced ticket ``values()``) with the related names
    joined onto it: ``SELECT … FROM (<the page>) page LEFT JOIN <customer> … ORDER BY`` the
    page's order.

    One query, as the nine-table ``values()`` was, but PostgreSQL plans it in 0.3 ms instead
    of 17–50 ms: joining eight tables onto the 100k-row ticket table made
    the planner weigh parameterized scans of the ticket table's 22 indexes for every join
    order on every request (``EXPLAIN``: planning 17–50 ms, execution 0.5 ms); joined onto
    a page of 51 rows, which has no indexes, there is little to weigh. The page's own
    columns go through the ``values()`` converters (JSON, and dates on SQLite), as
    ``list(window)`` would; the names are text and need none.
    """
    connection = connections[window.db]
    quote = connection.ops.quote_name
    compiler = window.query.get_compiler(using=window.db)
    inner, params = compiler.as_sql()
    selected = [s[0] for s in compiler.select]
    names = list(TICKET_FIELDS)
    # Four joins at a time, each level fenced (``OFFSET 0``) so that PostgreSQL plans it on
    # its own: eight joins in one level took 1.1 ms to plan, two levels of four 0.3 ms.
    fence = " OFFSET 0" if connection.vendor == "postgresql" else ""
    sql = inner
    for level in range(0, len(RELATED), 4):
        columns, joins = ["page.*"], []
        for n, (relation, shown) in enumerate(RELATED[level : level + 4], start=level):
            field = _field(Ticket, relation)
            target: type[Model] = field.related_model  # type: ignore[assignment]
            alias = f"r{n}"
            joins.append(
                f"LEFT OUTER JOIN {quote(target._meta.db_table)} {alias} ON {alias}."
                f"{quote(_column(target, target._meta.pk.name))} = page.{quote(field.attname)}"
            )
            for name, key in shown:
                columns.append(f"{alias}.{quote(_column(target, name))} AS {quote(key)}")
                names.append(key)
        sql = f"SELECT {', '.join(columns)} FROM ({sql}) page {' '.join(joins)}"
        if level + 4 < len(RELATED):
            sql += fence
    order = []
    for term in window.query.order_by:
        column = term.lstrip("-") if isinstance(term, str) else ""
        if column not in TICKET_FIELDS:
            raise TypeError(f"the ticket page is ordered by its own columns, not {term!r}")
        order.append(f"page.{quote(column)}{' DESC' if str(term).startswith('-') else ''}")
    sql += f" ORDER BY {', '.join(order)}"
    found, described = _select(connection, sql, params)
    if described != names:  # ``page.*`` is the page's ``values()`` columns, in their order
        raise RuntimeError(f"unexpected columns of the ticket page: {described}")
    converters = compiler.get_converters(selected)
    rows = compiler.apply_converters(found, converters) if converters else found
    return [dict(zip(names, row, strict=True)) for row in rows]


def _page_clocks(db: str, ids: list[int]) -> list[Sequence[Any]]:
    """The clock snapshots of the tickets ``ids`` (``CLOCK_FIELDS``), each ticket's in the order
    ``ticket_render.metric_rank`` gives (the metric's position, then its code; metrics the
    table does not know last, by code), the order read with the clocks instead of in a query
    of its own. Written as SQL (one join, one ``IN``) rather than built with the ORM each
    request: building and compiling the annotated queryset cost more than the query."""
    connection = connections[db]
    quote = connection.ops.quote_name
    fields = [_field(SlaClock, name) for name in CLOCK_FIELDS]
    code, position = quote(_column(SlaMetric, "code")), quote(_column(SlaMetric, "position"))
    metric = quote(_column(SlaClock, "metric"))
    shown = ", ".join(f"c.{quote(_column(SlaClock, name))}" for name in CLOCK_FIELDS)
    marks = ", ".join(["%s"] * len(ids))
    sql = (
        f"SELECT {shown} FROM {quote(SlaClock._meta.db_table)} c"
        f" LEFT OUTER JOIN {quote(SlaMetric._meta.db_table)} m ON m.{code} = c.{metric}"
        f" WHERE c.{quote(_column(SlaClock, 'ticket'))} IN ({marks})"
        f" ORDER BY (m.{position} IS NULL), m.{position}, c.{metric}"
    )
    found, _names = _select(connection, sql, ids)
    compiler = SlaClock.objects.using(db).none().query.get_compiler(using=db)
    converters = compiler.get_converters([f.get_col(SlaClock._meta.db_table) for f in fields])
    return list(compiler.apply_converters(found, converters)) if converters else found


def _select(connection: Any, sql: str, params: Any) -> tuple[list[Any], list[str]]:
    """The rows of ``sql`` and their column names. On PostgreSQL the instants are parsed by
    psycopg's own (C) loader instead of Django's, a Python subclass of psycopg's Python loader
    that sets the connection's time zone: the same aware datetimes (psycopg reads them in the
    session's time zone, which Django sets to the connection's), at a fraction of the ~3 µs
    each of a page's ~380 instants costs in Python."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            from psycopg import adapters as psycopg_default
            from psycopg.pq import Format

            oid = psycopg_default.types["timestamptz"].oid
            # The cursor's own adapters map (copied on write): the connection's stays Django's.
            cursor.cursor.adapters.register_loader(
                oid, psycopg_default.get_loader(oid, Format.TEXT)
            )
        cursor.execute(sql, params)
        return cursor.fetchall(), [d[0] for d in cursor.description]


def _instant(value: datetime | None) -> str | None:
    """``DjangoJSONEncoder``'s text of an aware datetime (milliseconds; ``Z`` for UTC), written
    here so that the encoder does not call back into Python for each of a page's ~380."""
    if value is None:
        return None
    text = value.isoformat()
    if value.microsecond:
        text = text[:23] + text[26:]
    if text.endswith("+00:00"):
        text = text[:-6] + "Z"
    return text


def _day(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def _ref(pk: int | None, value: Any, attr: str = "name") -> dict[str, Any] | None:
    return None if pk is None else {"id": pk, attr: value}


def _subject(row: dict[str, Any], staff: bool) -> str:
    """``Ticket.customer_subject`` for contacts (a monitoring alert's name stays internal)."""
    if staff or row["channel"] != Channel.MONITORING:
        return str(row["subject"])
    if row["asset_id"] is not None:
        return str(_("Monitoring alert on %(host)s") % {"host": row["asset__hostname"]})
    return str(_("Monitoring alert"))


def ticket_page(tickets: QuerySet[Ticket], paging: PageQuery, *, staff: bool) -> dict[str, Any]:
    """The ``TicketList`` envelope of ``tickets`` (ordered newest first) as plain values.

    Three queries whatever the page: the page with its related names (``_fetch_page``), the
    capped count when more rows follow (``core.pagination``), the page's clocks in display
    order. Instants are written as text here (``_instant``), so the page is encoded without
    a call back into Python per value."""
    result = api_page(
        tickets.select_related(None).prefetch_related(None).values(*TICKET_FIELDS),
        paging,
        fetch=_fetch_page,
    )
    rows: list[dict[str, Any]] = result["items"]
    clocks: dict[int, list[Sequence[Any]]] = {}
    if rows:
        for clock in _page_clocks(tickets.db, [r["id"] for r in rows]):
            clocks.setdefault(clock[0], []).append(clock)
    users: dict[int, Any] = {}
    User = get_user_model()
    levels = {k: str(v) for k, v in Ticket._meta.get_field("support_level").flatchoices}
    items = []
    for r in rows:
        assignee = None
        if r["assignee_id"] is not None:
            user = users.get(r["assignee_id"])
            if user is None:
                user = users[r["assignee_id"]] = User(
                    pk=r["assignee_id"],
                    username=r["assignee__username"],
                    first_name=r["assignee__first_name"],
                    last_name=r["assignee__last_name"],
                )
            assignee = user_ref(user)
        facts = r["coverage_facts"] or {}
        items.append(
            {
                "id": r["id"],
                "number": r["number"],
                "kind": r["kind"],
                "status": r["status"],
                "subject": _subject(r, staff),
                "customer": {"id": r["customer_id"], "name": r["customer__name"]},
                "contact": _ref(r["contact_id"], r["contact__name"]),
                "asset": _ref(r["asset_id"], r["asset__hostname"], "hostname"),
                "site": _ref(r["site_id"], r["site__name"]),
                "channel": r["channel"],
                "category": r["category"],
                "impact": r["impact"],
                "urgency": r["urgency"],
                "priority": r["priority"],
                "priority_name": r["priority_name"],
                "waiting_reason": r["waiting_reason"],
                "support_level": r["support_level"],
                "support_level_label": levels.get(r["support_level"], str(r["support_level"])),
                "assignee": assignee,
                "team": _ref(r["team_id"], r["team__name"]),
                "opened_at": _instant(r["opened_at"]),
                "acknowledged_at": _instant(r["acknowledged_at"]),
                "resolved_at": _instant(r["resolved_at"]),
                "closed_at": _instant(r["closed_at"]),
                "next_deadline_at": _instant(r["next_deadline_at"]),
                "coverage": {
                    "status": r["coverage"],
                    "explanation": explain(facts, r["coverage_explanation"]),
                    "explanation_code": str(facts.get("code", "")),
                    "contract_id": r["contract_id"],
                    "contract_number": r["contract__number"],
                    "version": r["contract_version__number"]
                    if r["contract_version_id"] is not None
                    else None,
                    "expires_on": _day(r["coverage_expires_on"]),
                    "warranty_id": r["warranty_id"],
                },
                "clocks": [
                    {
                        "metric": c[1],
                        "state": c[2],
                        "target_seconds": c[3],
                        "deadline": _instant(c[4]),
                        "breached_at": _instant(c[5]),
                        "evaluated_at": _instant(c[6]),
                    }
                    for c in clocks.get(r["id"], ())
                ],
            }
        )
    # ``ListOut``'s envelope: count, count_exact only when false, next only when there is one.
    envelope: dict[str, Any] = {"count": result["count"]}
    if result["count_exact"] is not True:
        envelope["count_exact"] = result["count_exact"]
    if result["next"] is not None:
        envelope["next"] = result["next"]
    envelope["items"] = items
    return envelope


def json_response(data: Any) -> HttpResponse:
    """``data`` as django-ninja's JSON renderer writes it (same encoder, same content type)."""
    return HttpResponse(
        json.dumps(data, cls=NinjaJSONEncoder), content_type="application/json; charset=utf-8"
    )
