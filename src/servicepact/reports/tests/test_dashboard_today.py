"""The dashboard page's today from stored snapshots equals the engine's computation.

``reports.today.decided_since`` (the page) counts met and breached clocks from their stored
snapshots and sends only the clocks whose snapshot can lag to the engine; ``portfolio(now=…)``
puts every candidate clock through the engine. Both must give every figure identically:
checked on a world of three contracts (New York business hours, Shanghai business hours,
24x7 UTC; sites in three zones) with pauses, breaches, reopened tickets, a calendar edited
while clocks run, the worker run at some instants and not at others, around New York's
spring-forward night (Sun 9 Mar 2025, 02:00 -> 03:00) and across midnights, seconds and
sub-seconds included.
"""

from __future__ import annotations

import contextlib
import random
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from django.conf import settings
from django.core.cache import cache

from servicepact.contracts.services import set_calendar_hours
from servicepact.core.errors import DomainValidationError, TransitionError
from servicepact.reports.dashboard import month_tally, portfolio
from servicepact.reports.jobs import aggregate_due_days
from servicepact.tickets import services as ts
from servicepact.tickets.due import process_due_clocks
from servicepact.tickets.models import SlaClock, Ticket
from servicepact.tickets.services import recompute_stale_clocks
from servicepact.tickets.testing import always_calendar, business_calendar, ny, world

pytestmark = pytest.mark.django_db

ZONE = "America/New_York"
START, END = ny(2025, 3, 5, 0), ny(2025, 3, 10, 11)


def _both(moment: datetime) -> None:
    """The page's tally and figures equal the engine's at ``moment`` (time frozen there)."""
    zone = settings.TIME_ZONE
    live = month_tally(moment, zone)
    stored = month_tally(moment, zone, snapshots=True)
    assert stored.rows() == live.rows(), moment
    cache.clear()
    assert portfolio() == portfolio(now=moment), moment


def _neg(moment: datetime, contract_id: int) -> dict[tuple[str, int], tuple[int, int]]:
    """(metric, priority) -> (decided, breached) of one contract, by the page's path."""
    tally = month_tally(moment, settings.TIME_ZONE, snapshots=True)
    return {(m, p): (d, b) for c, m, p, d, b in tally.rows() if c == contract_id}


Step = tuple[datetime, str, Any, Any]


def _random_actions(rng: random.Random, worlds: list[Any], count: int) -> list[Step]:
    """(instant, kind, world, (key, priority) or key) steps of ``count`` random tickets."""
    steps: list[Step] = []
    span = int((END - START).total_seconds())
    for n in range(count):
        w = rng.choice(worlds)
        opened = START + timedelta(seconds=rng.randrange(span), microseconds=rng.randrange(10**6))
        p = rng.choice((1, 2, 3, 4))
        steps.append((opened, "open", w, (n, p)))
        at = opened
        if rng.random() < 0.85:
            at += timedelta(minutes=rng.randrange(1, 200))
            steps.append((at, "ack", w, n))
        if p == 1 and rng.random() < 0.7:
            steps.append((at + timedelta(minutes=rng.randrange(5, 400)), "onsite", w, n))
        if p <= 2 and rng.random() < 0.6:
            steps.append((at + timedelta(minutes=rng.randrange(10, 500)), "restore", w, n))
        if rng.random() < 0.3:
            at += timedelta(minutes=rng.randrange(1, 300))
            steps.append((at, "pause", w, n))
            if rng.random() < 0.7:
                at += timedelta(minutes=rng.randrange(1, 900))
                steps.append((at, "resume", w, n))
        if rng.random() < 0.7:
            at += timedelta(minutes=rng.randrange(10, 3000), seconds=rng.randrange(60))
            steps.append((at, "resolve", w, n))
            if rng.random() < 0.35:
                at += timedelta(minutes=rng.randrange(5, 700))
                steps.append((at, "reopen", w, n))
                if rng.random() < 0.5:
                    at += timedelta(minutes=rng.randrange(5, 700))
                    steps.append((at, "resolve", w, n))
    return [s for s in steps if s[0] < END]


def _apply(step: Step, tickets: dict[int, int]) -> None:
    _, kind, w, key = step
    a = w.agent
    if kind == "open":
        n, p = key
        tickets[n] = ts.open_ticket(
            customer=w.customer, contact=w.contact, asset=w.asset, subject=f"R{n}", priority=p
        ).pk
        return
    ticket = Ticket.objects.get(pk=tickets[key])
    action = {
        "ack": lambda: ts.acknowledge_ticket(ticket=ticket, actor=a),
        "onsite": lambda: ts.record_onsite_arrival(ticket=ticket, actor=a),
        "restore": lambda: ts.record_restore(ticket=ticket, actor=a),
        "pause": lambda: ts.pause_ticket(ticket=ticket, actor=a, reason="Logs"),
        "resume": lambda: ts.resume_ticket(ticket=ticket, actor=a),
        "resolve": lambda: ts.resolve_ticket(ticket=ticket, actor=a, resolution="Done"),
        "reopen": lambda: ts.reopen_ticket(ticket=ticket, actor=a, reason="Back again"),
    }[kind]
    # The product refuses the step in this state: the world goes on without it.
    with contextlib.suppress(TransitionError, DomainValidationError):
        action()


CHECKS = [
    # (instant, worker pass first, freeze closed days first)
    (ny(2025, 3, 6, 23, 59, 59), False, False),
    (ny(2025, 3, 7, 0, 0, 0), True, False),
    (ny(2025, 3, 7, 10, 31), False, False),
    (ny(2025, 3, 7, 17, 59, 59), False, True),
    (ny(2025, 3, 7, 18, 0, 0), False, False),
    (ny(2025, 3, 7, 18, 0, 1), True, False),
    (
        ny(2025, 3, 8, 12) + timedelta(microseconds=250000),
        False,
        True,
    ),  # after the calendar edit, not recomputed
    (ny(2025, 3, 9, 1, 59, 59), True, False),
    (ny(2025, 3, 9, 3, 0, 0), False, True),  # the first instant after the gap
    (ny(2025, 3, 9, 23, 59, 59) + timedelta(microseconds=999999), False, False),
    (ny(2025, 3, 10, 0, 0, 5), True, True),
    (ny(2025, 3, 10, 9, 0, 1), False, True),
    (ny(2025, 3, 10, 11, 30) + timedelta(microseconds=500000), True, True),
]


def test_the_page_path_equals_the_engine_at_every_instant(clock, settings):
    """At every instant of CHECKS the tally from snapshots equals the engine's, and so does
    every figure of the dashboard; the worker runs (breaches marked, stale clocks re-derived)
    at some instants and not at others, closed days are frozen at some."""
    settings.TIME_ZONE = ZONE
    clock.at(ny(2025, 3, 1, 8))
    shanghai = business_calendar(name="kiwi hours", tz="Asia/Shanghai")
    worlds = [
        world(code="acme"),
        world(code="kiwi", tz="Asia/Shanghai", calendar=shanghai),
        world(code="zulu", tz="Europe/London", calendar=always_calendar("zulu 24x7")),
    ]
    rng = random.Random(20250309)
    steps = _random_actions(rng, worlds, 70)
    # Kiwi's calendar gains Saturdays from 8 Mar, edited on Sat 8 Mar 10:00 NY: its running
    # clocks are stale (older revision) until the worker's next pass.
    steps.append((ny(2025, 3, 8, 10), "edit", None, None))
    checks = list(CHECKS)
    timeline = sorted(
        [(at, 0, i) for i, (at, *_rest) in enumerate(steps)]
        + [(at, 1, i) for i, (at, *_rest) in enumerate(checks)]
    )
    tickets: dict[int, int] = {}
    for at, is_check, i in timeline:
        clock.at(at)
        if not is_check:
            if steps[i][1] == "edit":
                week = {d: [["09:00", "18:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat")}
                set_calendar_hours(calendar=shanghai, weekly=week, effective_from=date(2025, 3, 8))
                continue
            _apply(steps[i], tickets)
            continue
        _, worker, freeze = checks[i]
        if worker:
            process_due_clocks(now=at)
            recompute_stale_clocks()
        if freeze:
            aggregate_due_days(at, limit=40)
        _both(at)
    stale = SlaClock.objects.exclude(calendar_revision=shanghai.revision).filter(calendar=shanghai)
    assert stale.exists()  # the edit left clocks on the older revision: the engine's share
    assert Ticket.objects.filter(events__kind="reopened").exists()
    assert SlaClock.objects.filter(state="breached").exists()


def test_a_deadline_at_a_closing_time_is_not_a_breach_until_business_time_passes_it(
    clock, settings
):
    """P3 first response (120 min), opened Fri 7 Mar 16:00 NY, never answered: business time
    reaches the target exactly at 18:00, the closing time, and stays there over the weekend.
    Not breached on Fri 18:00:01 nor on Sat (decided: 0). On Mon 10 Mar 09:00:01 it is
    breached, but its breach instant is Fri 18:00, a closed day: Monday's live part counts
    nothing, and Friday (frozen at its end) had no breach. Its neighbour, answered at 17:59
    (met) counts on Friday as met; the P1 answered at 10:45 (30 min from 10:00) as breached."""
    settings.TIME_ZONE = ZONE
    clock.at(ny(2025, 3, 1, 8))
    w = world(code="neg")
    clock.at(ny(2025, 3, 7, 10))
    p1 = ts.open_ticket(customer=w.customer, contact=w.contact, subject="P1", priority=1)
    clock.at(ny(2025, 3, 7, 10, 45))
    ts.acknowledge_ticket(ticket=Ticket.objects.get(pk=p1.pk), actor=w.agent)
    clock.at(ny(2025, 3, 7, 16))
    ts.open_ticket(customer=w.customer, contact=w.contact, subject="silent", priority=3)
    met = ts.open_ticket(customer=w.customer, contact=w.contact, subject="met", priority=3)
    clock.at(ny(2025, 3, 7, 17, 59))
    ts.acknowledge_ticket(ticket=Ticket.objects.get(pk=met.pk), actor=w.agent)

    friday = ny(2025, 3, 7, 18, 0, 1)
    clock.at(friday)
    _both(friday)
    figures = _neg(friday, w.contract.pk)
    assert figures[("first_response", 1)] == (1, 1)
    assert figures[("first_response", 3)] == (1, 0)  # the met one only: the silent one waits

    saturday = ny(2025, 3, 8, 12)
    clock.at(saturday)
    process_due_clocks(now=saturday)
    _both(saturday)
    assert SlaClock.objects.filter(state="breached", metric="first_response").count() == 1

    monday = ny(2025, 3, 10, 9, 0, 1)
    clock.at(monday)
    aggregate_due_days(monday, limit=40)
    _both(monday)
    figures = _neg(monday, w.contract.pk)
    assert figures[("first_response", 3)] == (1, 0)  # Friday's met one; no breach anywhere
    process_due_clocks(now=monday)  # the worker marks the breach (at Fri 18:00) now
    silent = SlaClock.objects.get(ticket__subject="silent", metric="first_response")
    assert (silent.state, silent.breached_at) == ("breached", ny(2025, 3, 7, 18))
    _both(monday)
    assert _neg(monday, w.contract.pk)[("first_response", 3)] == (1, 0)


def test_a_paused_clock_past_its_deadline_is_not_breached_and_a_reopened_one_is_undecided(
    clock, settings
):
    """P2 opened Thu 6 Mar 09:00 NY, answered 09:10, waiting on the customer from 09:30 to
    Mon 10:00: its resolution (480 min) and restore (240 min) clocks would have been due Thu
    17:00 and 13:00 but are paused, so not breached (decided: first response only, met). A P4
    resolved Fri 11:00 (met, decided Friday) and reopened Fri 15:00 is no longer decided on
    Friday: its resolution clock runs again."""
    settings.TIME_ZONE = ZONE
    clock.at(ny(2025, 3, 1, 8))
    w = world(code="neg")
    clock.at(ny(2025, 3, 6, 9))
    p2 = ts.open_ticket(customer=w.customer, contact=w.contact, subject="wait", priority=2)
    clock.at(ny(2025, 3, 6, 9, 10))
    ts.acknowledge_ticket(ticket=Ticket.objects.get(pk=p2.pk), actor=w.agent)
    clock.at(ny(2025, 3, 6, 9, 30))
    ts.pause_ticket(ticket=Ticket.objects.get(pk=p2.pk), actor=w.agent, reason="Logs")
    clock.at(ny(2025, 3, 7, 9))
    p4 = ts.open_ticket(customer=w.customer, contact=w.contact, subject="again", priority=4)
    clock.at(ny(2025, 3, 7, 9, 30))
    ts.acknowledge_ticket(ticket=Ticket.objects.get(pk=p4.pk), actor=w.agent)
    clock.at(ny(2025, 3, 7, 11))
    ts.resolve_ticket(ticket=Ticket.objects.get(pk=p4.pk), actor=w.agent, resolution="Done")

    noon = ny(2025, 3, 7, 12)
    clock.at(noon)
    process_due_clocks(now=noon)
    _both(noon)
    figures = _neg(noon, w.contract.pk)
    assert figures[("first_response", 2)] == (1, 0)
    assert ("resolution", 2) not in figures and ("restore", 2) not in figures
    assert figures[("resolution", 4)] == (1, 0)

    clock.at(ny(2025, 3, 7, 15))
    ts.reopen_ticket(ticket=Ticket.objects.get(pk=p4.pk), actor=w.agent, reason="Back")
    later = ny(2025, 3, 7, 17, 30)
    clock.at(later)
    _both(later)
    figures = _neg(later, w.contract.pk)
    assert ("resolution", 4) not in figures
    assert ("resolution", 2) not in figures
