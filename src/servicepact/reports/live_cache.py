"""Live figures computed at most once a minute per state of the tickets (issue 12).

The dashboard's today and a statement of a month without a stored snapshot are computed from
the clocks, which costs tens of milliseconds at 100k tickets. ``per_minute`` keeps such a
result in Django's cache (locmem by default, per process) for ``SECONDS``. The key holds:

* the minute (``moment`` // 60 s): a result is reused only within the minute it was computed
  in, so what time alone decides (a running clock passing its deadline) is at most a minute
  old, and the figures say as of when (the statement's cut-off, the dashboard's time);
* the newest ticket event and the newest clock: every ticket change appends an event, so a
  reply, a pause or a resolution is seen at once;
* the caller's own parts (the contract and month, the day the live part starts).

Changes that append no ticket event (a contract's terms, a calendar, a force-majeure rule, an
outage) show within the minute. Neither page depends on who reads it beyond access, which the
views check before, so no user is in the key.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TypeVar

from django.core.cache import cache
from django.db.models import Max

from servicepact.tickets.models import SlaClock, TicketEvent

SECONDS = 60

T = TypeVar("T")


def per_minute(
    name: str, parts: tuple[object, ...], moment: datetime, compute: Callable[[], T]
) -> T:
    """``compute()``, or what it returned earlier in the same minute for the same state."""
    newest = (
        TicketEvent.objects.aggregate(m=Max("pk"))["m"],
        SlaClock.objects.aggregate(m=Max("pk"))["m"],
    )
    minute = int(moment.timestamp()) // SECONDS
    key = ":".join(map(str, ("reports", name, *parts, minute, *newest)))
    value: T | None = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, SECONDS)
    return value
