"""The dashboard's recent CSAT from the hourly counts (aftercare.csat_hours) equals the same
figures counted from every ticket and survey of the window (``recent_csat_from_rows``).

Writes go through the services (resolve, reopen, answer with a back-dated or a late ``at``)
and through bulk paths that bypass them (``QuerySet.update``, ``delete``): the triggers see
every one. The windows are compared at many instants, exact hours and sub-seconds, with the
worker's folding of past hours run at some of them and not at others."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection

from servicepact.aftercare import csat_hours
from servicepact.aftercare.csat import recent_csat, recent_csat_from_rows
from servicepact.aftercare.models import CsatHour, Survey
from servicepact.aftercare.services import answer_survey
from servicepact.aftercare.testing import resolved
from servicepact.core.testing import ny
from servicepact.core.time import now as current_time
from servicepact.tickets.models import Ticket
from servicepact.tickets.services import reopen_ticket, resolve_ticket

pytestmark = pytest.mark.django_db

START = datetime(2025, 5, 1, 0, tzinfo=UTC)


def same(now: datetime, days: int = 30) -> dict[str, object]:
    fast, slow = recent_csat(now, days), recent_csat_from_rows(now, days)
    assert fast == slow, (now, days)
    return fast


def test_a_late_answer_and_a_reopening_move_the_right_hours(acme, clock):
    """Resolved 2 June 10:30 (New York), answered 5 June: the 2 June hour gains the
    "answered", the 5 June hour the score. Reopened 8 June: neither resolved nor answered any
    more; resolved again 9 June 16:00: counted on 9 June, with its survey."""
    ticket = resolved(acme, clock, ny(2025, 6, 2, 9), ny(2025, 6, 2, 10, 30))
    assert same(ny(2025, 6, 4))["resolved"] == 1
    assert same(ny(2025, 6, 4))["answered"] == 0
    clock.at(ny(2025, 6, 5, 12))
    answer_survey(ticket=ticket, score=4)
    csat_hours.compact(ny(2025, 6, 5, 14))
    for now in (ny(2025, 6, 5, 11, 59), ny(2025, 6, 5, 12), ny(2025, 6, 6)):
        same(now)
    assert [same(ny(2025, 6, 6))[k] for k in ("resolved", "answered", "responses", "mean")] == [
        1, 1, 1, "4.00"
    ]  # fmt: skip
    clock.at(ny(2025, 6, 8, 9))
    reopen_ticket(ticket=ticket, actor=acme.contact.user, reason="still broken")
    assert [same(ny(2025, 6, 8, 10))[k] for k in ("resolved", "answered", "responses")] == [
        0, 0, 1
    ]  # fmt: skip
    clock.at(ny(2025, 6, 9, 16))
    resolve_ticket(ticket=Ticket.objects.get(pk=ticket.pk), actor=acme.agent)
    csat_hours.compact(ny(2025, 6, 10))
    figures = same(ny(2025, 6, 10))
    assert [figures[k] for k in ("resolved", "answered", "response_rate")] == [1, 1, "100.00"]
    # 30 days after the 5 June answer, before the 9 June resolution leaves the window.
    figures = same(ny(2025, 7, 5, 12, 1))
    assert [figures[k] for k in ("resolved", "responses")] == [1, 0]


def test_the_window_ends_are_in_and_partial_hours_count(acme, clock):
    """A ticket resolved exactly at the window's first instant and one exactly at ``now``
    are both in (the window is closed at both ends); one a microsecond before is not."""
    begin = datetime(2025, 6, 1, 14, 25, 7, 250, tzinfo=UTC)
    now = begin + timedelta(days=30)
    resolved(acme, clock, begin - timedelta(hours=2), begin, subject="first")
    resolved(acme, clock, begin - timedelta(hours=2), begin - timedelta(microseconds=1))
    resolved(acme, clock, now - timedelta(hours=3), now, subject="last")
    assert same(now)["resolved"] == 2
    assert same(now + timedelta(microseconds=1))["resolved"] == 1
    csat_hours.compact(now + timedelta(hours=2))
    assert same(now)["resolved"] == 2


def test_random_world_equals_the_rows(acme, globex, clock):
    """Two customers (New York, Shanghai), 40 tickets resolved at random instants over six
    weeks, a third reopened and most of those resolved again, surveys answered from minutes
    to days later (some exactly on the hour), a bulk ``update`` moving resolutions, one
    contract removed by ``update``, a survey deleted; compared at 65 instants."""
    rng = random.Random(12)
    worlds = [acme, globex]
    tickets = []
    for n in range(40):
        at = START + timedelta(seconds=rng.randrange(0, 42 * 86400))
        if rng.random() < 0.15:
            at = at.replace(minute=0, second=0, microsecond=0)
        w = worlds[n % 2]
        tickets.append((w, resolved(w, clock, at - timedelta(hours=rng.randrange(1, 30)), at,
                                    subject=f"t{n}")))  # fmt: skip
    latest = max(t.resolved_at for _, t in tickets)
    moments = []
    for w, ticket in tickets:
        ticket = Ticket.objects.get(pk=ticket.pk)
        assert ticket.resolved_at is not None
        if rng.random() < 0.6:
            answer_at = ticket.resolved_at + timedelta(minutes=rng.randrange(1, 6 * 24 * 60))
            if rng.random() < 0.2:
                answer_at = answer_at.replace(minute=0, second=0, microsecond=0) + timedelta(
                    hours=1
                )
            answer_survey(ticket=ticket, score=rng.randint(1, 5), at=answer_at)
            moments.append(answer_at)
        if rng.random() < 0.33:
            clock.at(max(latest, ticket.resolved_at) + timedelta(hours=rng.randrange(1, 100)))
            reopen_ticket(ticket=ticket, actor=w.contact.user, reason="again")
            if rng.random() < 0.7:
                clock.at(current_time() + timedelta(minutes=rng.randrange(1, 3000)))
                resolve_ticket(ticket=Ticket.objects.get(pk=ticket.pk), actor=w.agent)
                moments.append(current_time())
    # Paths that bypass the services: the triggers still see them.
    ids = [t.pk for _, t in tickets]
    Ticket.objects.filter(pk__in=ids[:3]).update(resolved_at=START + timedelta(days=20, hours=5))
    Ticket.objects.filter(pk=ids[3]).update(contract=None)
    victim = Survey.objects.filter(ticket_id__in=ids[4:20]).order_by("pk").first()
    assert victim is not None
    victim.delete()
    moments += [
        START + timedelta(days=d, hours=h) for d in (20, 31, 35, 41, 44, 50) for h in (0, 5)
    ]
    moments += [m + timedelta(microseconds=1) for m in moments[:10]]
    moments += [m - timedelta(seconds=1) for m in moments[10:20]]
    end = current_time()
    moments += [end, end + timedelta(days=3, minutes=17, seconds=5)]
    for i, now in enumerate(sorted(moments)):
        if i % 3 == 0:
            csat_hours.compact(now)
        for days in (30, 1, 7):
            same(now, days)
    assert CsatHour.objects.exists()
    # Every past hour folded: one row per hour (and kind) at most, the figures unchanged.
    final = end + timedelta(days=1)
    before = recent_csat(final)
    csat_hours.compact(final)
    hours = list(CsatHour.objects.filter(hour__lt=final).values_list("hour", flat=True))
    assert len(hours) == len(set(hours))
    assert recent_csat(final) == before == recent_csat_from_rows(final)


def test_compact_leaves_the_current_hour_and_the_figures(acme, clock):
    base = datetime(2025, 6, 10, 8, tzinfo=UTC)
    for minute in (5, 10, 15):
        resolved(acme, clock, base, base.replace(hour=9, minute=minute), subject=f"a{minute}")
    resolved(acme, clock, base, base.replace(hour=10, minute=1), subject="current")
    now = base.replace(hour=10, minute=30)
    before = same(now)
    assert csat_hours.compact(now) == 2  # three rows of 09:00 -> one; 10:00 untouched
    assert CsatHour.objects.filter(hour=base.replace(hour=9)).count() == 1
    assert CsatHour.objects.filter(hour=base.replace(hour=10)).count() == 1
    assert same(now) == before
    assert csat_hours.compact(now) == 0


def test_a_missing_trigger_is_put_back_and_the_counts_rebuilt(acme, clock):
    """Negative case: without the update trigger a reopening is missed and the figures
    differ; ``ensure`` (run after every migrate) re-creates it and rebuilds the counts."""
    ticket = resolved(acme, clock, ny(2025, 6, 2, 9), ny(2025, 6, 2, 10, 30))
    now = ny(2025, 6, 20)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("DROP TRIGGER aftercare_csathour_ticket_update ON tickets_ticket")
        else:
            cursor.execute("DROP TRIGGER aftercare_csathour_ticket_update")
    clock.at(ny(2025, 6, 8, 9))
    reopen_ticket(ticket=ticket, actor=acme.contact.user, reason="still broken")
    assert recent_csat_from_rows(now)["resolved"] == 0
    assert recent_csat(now)["resolved"] == 1  # stale without the trigger
    csat_hours.ensure()
    assert not csat_hours._missing(connection)
    assert same(now)["resolved"] == 0


def test_counts_without_tickets_are_cleared(db):
    """``flush`` on SQLite deletes table by table in no set order: counts left with no
    ticket or survey behind them are removed by ``ensure``."""
    CsatHour.objects.create(hour=START, resolved=-1)
    csat_hours.ensure()
    assert not CsatHour.objects.exists()
