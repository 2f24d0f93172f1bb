from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from django.db.models import QuerySet
from ninja import Field, Schema
from ninja.errors import ValidationError
from pydantic import GetJsonSchemaHandler, SerializerFunctionWrapHandler, model_serializer
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema

from servicepact.core import keyset

MAX_LIMIT = 500
MAX_OFFSET = 10**9  # past it a client walks by cursor (``after``)
MAX_CURSOR = 2000  # characters of an ``after`` cursor
DEFAULT_LIMIT = 50
# Without ``?count=exact`` a list counts at most this many rows (``LIMIT COUNT_CAP + 1`` in a
# subquery): a count over millions of rows is a full scan on every page.
COUNT_CAP = 1000


@dataclass(frozen=True)
class ListPage:
    """One page of an API list: ``count`` is exact when ``count_exact``, otherwise "at least
    ``count``" (the cap); ``next`` is the cursor continuing after the last row, or None."""

    items: list[Any]
    count: int
    count_exact: bool
    next: str | None


def list_page(
    queryset: QuerySet[Any],
    *,
    limit: int,
    offset: int = 0,
    after: str | None = None,
    exact_count: bool = False,
    fetch: Callable[[QuerySet[Any]], list[Any]] = list,
) -> ListPage:
    """One page by offset or after a keyset cursor, stably ordered (ties broken on the primary
    key), with a capped count unless ``exact_count``. Raises ``keyset.BadCursor``.

    ``fetch`` reads the page's rows from the ordered, sliced queryset (``list`` by default; the
    ticket list joins the page's related names onto the page in its own SQL, ``api.ticket_rows``)."""
    limit = max(1, min(int(limit), MAX_LIMIT))
    offset = max(0, int(offset))
    keys = keyset.sort_keys(queryset)
    listed = keyset.ordered(queryset, keys)
    window = keyset.after(listed, keys, keyset.decode(after, keys)) if after else listed
    rows = fetch(window[offset : offset + limit + 1])
    items, more = rows[:limit], len(rows) > limit
    cursor = keyset.encode(items[-1], keys) if more else None
    if not after and not more and (items or offset == 0):
        return ListPage(items, offset + len(items), True, cursor)  # this page is the last one
    if exact_count:
        return ListPage(items, queryset.count(), True, cursor)
    total = capped_count(queryset, COUNT_CAP)
    if total > COUNT_CAP:
        return ListPage(items, COUNT_CAP, False, cursor)
    return ListPage(items, total, True, cursor)


def paginate(queryset: QuerySet[Any], *, limit: int, offset: int) -> tuple[list[Any], int]:
    """One page and its count (capped at ``COUNT_CAP``), for callers without cursors."""
    found = list_page(queryset, limit=limit, offset=offset)
    return found.items, found.count


class PageQuery(Schema):
    """The paging parameters every API list takes: ``Query[PageQuery]`` in the handler."""

    # Defaults by keyword: ninja's Schema (a dataclass_transform) sees only those.
    limit: int = Field(default=DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)
    offset: int = Field(default=0, ge=0, le=MAX_OFFSET)
    after: str | None = Field(
        default=None,
        max_length=MAX_CURSOR,
        description="the `next` cursor of the previous page (instead of offset)",
    )
    count: Literal["exact"] | None = Field(
        default=None, description=f"`exact` to count every row; otherwise counted up to {COUNT_CAP}"
    )


class ListOut(Schema):
    """The envelope of every API list; subclasses add ``items``. A list that fits on one page
    answers ``{"items", "count"}`` as always; ``next`` appears when more rows follow and
    ``count_exact: false`` when the count stopped at the cap."""

    count: int
    count_exact: bool = Field(True, description=f"false: at least `count` (counted to {COUNT_CAP})")
    next: str | None = Field(None, description="pass as `after` for the next page; absent: last")

    @model_serializer(mode="wrap")
    def _envelope(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        data: dict[str, Any] = handler(self)
        if data.get("count_exact") is True:
            del data["count_exact"]
        if data.get("next", "") is None:
            del data["next"]
        return data

    @classmethod
    def __get_pydantic_json_schema__(
        cls, core_schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        # Document the fields (the serializer above only leaves defaults out).
        if handler.mode == "serialization":
            core_schema = _without_model_serializer(core_schema)
        return handler(core_schema)


def _without_model_serializer(schema: Any) -> Any:
    """A copy of ``schema`` whose model part has no custom serializer (for its JSON schema)."""
    if not isinstance(schema, dict):
        return schema
    copied = dict(schema)
    if copied.get("type") == "model":
        copied.pop("serialization", None)
        return copied
    if "schema" in copied:
        copied["schema"] = _without_model_serializer(copied["schema"])
    return copied


def api_page(
    queryset: QuerySet[Any],
    paging: PageQuery | None = None,
    fetch: Callable[[QuerySet[Any]], list[Any]] = list,
) -> dict[str, Any]:
    """The API list envelope for ``queryset``: ``{"items", "count", "count_exact", "next"}``.
    A cursor that is not this list's, or a cursor with an offset, is a 422 on the parameter.
    ``fetch``: as in ``list_page``."""
    paging = paging or PageQuery()
    if paging.after and paging.offset:
        raise _query_error("offset", "cannot be combined with after")
    try:
        found = list_page(
            queryset,
            limit=paging.limit,
            offset=paging.offset,
            after=paging.after,
            exact_count=paging.count == "exact",
            fetch=fetch,
        )
    except keyset.BadCursor as exc:
        raise _query_error("after", str(exc)) from exc
    return {
        "items": found.items,
        "count": found.count,
        "count_exact": found.count_exact,
        "next": found.next,
    }


def _query_error(field: str, msg: str) -> ValidationError:
    return ValidationError([{"loc": ["query", field], "msg": msg, "type": "invalid"}])


# A page of a UI list counts at most this many rows (``LIMIT PAGER_CAP + 1`` in a subquery);
# past it the pager says "more than" and pages through the first PAGER_CAP rows (a count over
# a million rows is a scan on every view; nobody pages to row 10,001 — they filter).
PAGER_CAP = 10_000


def capped(queryset: QuerySet[Any], cap: int) -> QuerySet[Any]:
    """``queryset`` unordered and cut at ``cap + 1`` rows, (for a plain model queryset) only
    its key selected: what a count that stops past ``cap`` counts (``capped_count``, or one
    of ``core.sql.counts``)."""
    limited = queryset.order_by()
    if getattr(limited, "_fields", None) is None and not limited.query.combinator:
        limited = limited.values("pk")
    return limited[: cap + 1]


def capped_count(queryset: QuerySet[Any], cap: int) -> int:
    """``queryset.count()``, reading at most ``cap + 1`` rows: a result over ``cap`` means
    "more than ``cap``"."""
    return capped(queryset, cap).count()


@dataclass(frozen=True)
class Page:
    """One page of a list for a UI: its rows, its number (from 1) and whether others exist.
    ``more``: over ``count`` rows exist (the count stopped at its cap, ``PAGER_CAP``)."""

    items: list[Any]
    number: int
    per_page: int
    count: int
    more: bool = False

    @property
    def pages(self) -> int:
        return max(1, -(-self.count // self.per_page))

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages

    @property
    def first_index(self) -> int:
        return 0 if not self.items else (self.number - 1) * self.per_page + 1

    @property
    def last_index(self) -> int:
        return (self.number - 1) * self.per_page + len(self.items)


def page_number(value: Any) -> int:
    """``?page=`` as a number from 1; anything else is page 1."""
    try:
        return max(1, int(value))
    except (TypeError, ValueError):
        return 1


def paginate_page(
    queryset: QuerySet[Any],
    *,
    page: Any,
    per_page: int,
    count: int | None = None,
    cap: int | None = None,
) -> Page:
    """One SQL-limited page and one count capped at ``cap`` rows (``PAGER_CAP`` by default),
    or the ``count`` the caller already has (capped the same way: a count over ``cap`` is
    "more than ``cap``"); a page number past the end shows the last page (past the cap: the
    cap's)."""
    cap = PAGER_CAP if cap is None else cap
    if count is None:
        count = capped_count(queryset, cap)
    more = count > cap
    count = min(count, cap)
    last = max(1, -(-count // per_page))
    number = min(page_number(page), last)
    items = list(queryset[(number - 1) * per_page : number * per_page])
    return Page(items=items, number=number, per_page=per_page, count=count, more=more)
