from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

MAX_LIMIT = 500


def paginate(queryset: QuerySet[Any], *, limit: int, offset: int) -> tuple[list[Any], int]:
    """Returns one page and the total count; ``limit`` is clamped to 1..MAX_LIMIT."""
    limit = max(1, min(int(limit), MAX_LIMIT))
    offset = max(0, int(offset))
    return list(queryset[offset : offset + limit]), queryset.count()


@dataclass(frozen=True)
class Page:
    """One page of a list for a UI: its rows, its number (from 1) and whether others exist."""

    items: list[Any]
    number: int
    per_page: int
    count: int

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
    queryset: QuerySet[Any], *, page: Any, per_page: int, count: int | None = None
) -> Page:
    """One SQL-limited page and one COUNT (or the ``count`` the caller already has); a page
    number past the end shows the last page."""
    total = queryset.count() if count is None else count
    last = max(1, -(-total // per_page))
    number = min(page_number(page), last)
    items = list(queryset[(number - 1) * per_page : number * per_page])
    return Page(items=items, number=number, per_page=per_page, count=total)
