from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

MAX_LIMIT = 500


def paginate(queryset: QuerySet[Any], *, limit: int, offset: int) -> tuple[list[Any], int]:
    """Returns one page and the total count; ``limit`` is clamped to 1..MAX_LIMIT."""
    limit = max(1, min(int(limit), MAX_LIMIT))
    offset = max(0, int(offset))
    return list(queryset[offset : offset + limit]), queryset.count()
