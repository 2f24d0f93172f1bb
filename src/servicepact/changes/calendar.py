"""The change calendar: month and week views, and the customer's iCalendar feed.

Views are computed in a time zone (the customer's in the portal, the agent's in the desk):
a change shows on every local day its window touches. The feed is RFC 5545 text written by
the ``icalendar`` library; its URL carries a bearer token stored hashed (``CalendarFeed``):
a token only ever shows its own customer's changes, and an unknown or revoked one is a 404.
"""

from __future__ import annotations

import calendar as pycalendar
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

import icalendar
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from servicepact.accounts.actors import Actor
from servicepact.accounts.services import hash_token, new_hashed_token
from servicepact.changes.choices import CALENDAR_STATUSES, ChangeStatus
from servicepact.changes.conflicts import Conflict, conflicts_for_changes
from servicepact.changes.models import CalendarFeed, Change
from servicepact.core.time import now as current_time
from servicepact.core.time import zone
from servicepact.customers.models import Customer

FEED_PREFIX = "spcal_"
FEED_DAYS_BACK = 90
FEED_DAYS_AHEAD = 400
MAX_SHOWN = 500  # a calendar page never loads more than this many changes


@dataclass
class Day:
    day: date
    in_month: bool
    changes: list[Change] = field(default_factory=list)


@dataclass
class CalendarView:
    mode: str  # "month" | "week"
    start: date
    end: date  # exclusive
    previous: date
    next: date
    weeks: list[list[Day]]
    conflicts: dict[int, list[Conflict]]

    @property
    def last_day(self) -> date:
        return self.end - timedelta(days=1)


def _bounds(mode: str, anchor: date) -> tuple[date, date, date, date]:
    """[first, last) of the view (whole weeks from Monday), and the previous/next anchors."""
    if mode == "week":
        first = anchor - timedelta(days=anchor.weekday())
        return (
            first,
            first + timedelta(days=7),
            first - timedelta(days=7),
            first + timedelta(days=7),
        )
    month_first = anchor.replace(day=1)
    days = pycalendar.monthrange(anchor.year, anchor.month)[1]
    month_end = month_first + timedelta(days=days)
    first = month_first - timedelta(days=month_first.weekday())
    last = month_end + timedelta(days=(7 - month_end.weekday()) % 7)
    previous = (month_first - timedelta(days=1)).replace(day=1)
    return first, last, previous, month_end


def changes_between(qs: QuerySet[Change], start: datetime, end: datetime) -> QuerySet[Change]:
    """Changes on the calendar whose window meets [start, end), by start (SQL-limited)."""
    return qs.filter(
        status__in=CALENDAR_STATUSES, planned_start__lt=end, planned_end__gt=start
    ).order_by("planned_start", "id")[:MAX_SHOWN]


def calendar_view(qs: QuerySet[Change], *, mode: str, anchor: date, tz: str) -> CalendarView:
    """The month (or week) around ``anchor`` in zone ``tz``, each day with its changes."""
    mode = "week" if mode == "week" else "month"
    first, last, previous, nxt = _bounds(mode, anchor)
    zi = zone(tz)
    start = datetime.combine(first, time(0), tzinfo=zi)
    end = datetime.combine(last, time(0), tzinfo=zi)
    changes = list(changes_between(qs, start, end))
    days = [
        Day(
            first + timedelta(days=i),
            mode == "week" or (first + timedelta(days=i)).month == anchor.month,
        )
        for i in range((last - first).days)
    ]
    for change in changes:
        local_start = change.planned_start.astimezone(zi).date()
        # The end is exclusive: a window ending at midnight does not touch the next day.
        local_end = (change.planned_end.astimezone(zi) - timedelta(microseconds=1)).date()
        for d in days:
            if local_start <= d.day <= local_end:
                d.changes.append(change)
    weeks = [days[i : i + 7] for i in range(0, len(days), 7)]
    return CalendarView(mode, first, last, previous, nxt, weeks, conflicts_for_changes(changes))


# ------------------------------------------------------------------ the iCalendar feed


@transaction.atomic
def create_feed(*, customer: Customer, actor: Actor) -> tuple[CalendarFeed, str]:
    """A new feed token for the customer (the previous one is revoked); the raw token is
    returned once and never stored."""
    moment = current_time()
    CalendarFeed.objects.filter(customer=customer, revoked_at__isnull=True).update(
        revoked_at=moment
    )
    raw, prefix, digest = new_hashed_token(FEED_PREFIX)
    feed = CalendarFeed.objects.create(
        customer=customer,
        prefix=prefix,
        token_hash=digest,
        created_at=moment,
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    return feed, raw


def feed_for_token(raw: str) -> CalendarFeed | None:
    """The live feed a raw token opens, or None (unknown or revoked)."""
    if not raw.startswith(FEED_PREFIX):
        return None
    return (
        CalendarFeed.objects.select_related("customer")
        .filter(token_hash=hash_token(raw), revoked_at__isnull=True)
        .first()
    )


STATUS_TO_ICS = {
    ChangeStatus.REQUESTED: "TENTATIVE",
    ChangeStatus.APPROVED: "CONFIRMED",
}


def feed_ics(
    feed: CalendarFeed, *, now: datetime | None = None, domain: str = "servicepact"
) -> bytes:
    """The customer's changes from 90 days ago to 400 days ahead as an iCalendar document."""
    moment = now or current_time()
    qs = Change.objects.filter(customer_id=feed.customer_id).select_related("customer")
    changes = changes_between(
        qs, moment - timedelta(days=FEED_DAYS_BACK), moment + timedelta(days=FEED_DAYS_AHEAD)
    )
    cal = icalendar.Calendar()
    cal.add("prodid", "-//ServicePact//Changes//EN")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", _("Changes: %(customer)s") % {"customer": feed.customer.name})
    for change in changes:
        cal.add_component(_event(change, moment, domain))
    return bytes(cal.to_ical())


def _event(change: Change, moment: datetime, domain: str) -> Any:
    event = icalendar.Event()
    event.add("uid", f"change-{change.pk}@{domain}")
    event.add("dtstamp", moment)
    event.add("dtstart", change.planned_start)
    event.add("dtend", change.planned_end)
    event.add("summary", f"{change.number}: {change.title}")
    status = ChangeStatus(change.status)
    lines = [_("Status: %(status)s") % {"status": status.label}]
    if change.description:
        lines.append(change.description)
    event.add("description", "\n\n".join(lines))
    event.add("status", STATUS_TO_ICS.get(status, "CONFIRMED"))
    event.add("last-modified", change.updated_at)
    return event


def parse_anchor(text: str | None, today: date) -> date:
    """``?date=YYYY-MM-DD`` of a calendar page; anything else is today."""
    try:
        return date.fromisoformat(text or "")
    except ValueError:
        return today
