"""The pages' fast path (reports.live_cache): the same figures as the computation it
replaces, reused only within the minute and for the same state of the tickets."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from servicepact.billing.periods import Period
from servicepact.billing.testing import june_month, ny
from servicepact.reports.dashboard import portfolio
from servicepact.reports.selectors import statement_for
from servicepact.reports.services import close_period
from servicepact.reports.statement import build_statement
from servicepact.tickets import services as ts
from servicepact.tickets.models import Ticket

pytestmark = pytest.mark.django_db

JULY = Period(2025, 7)


@pytest.fixture
def june(clock):
    """June closed (its statement stored) on 1 Jul 12:00; July open: T5 decided in it, T7
    still running."""
    june = june_month(clock)
    close_period(june.contract, "2025-06")
    return june


def _computed(june, period, moment):
    return build_statement(june.contract, period, now=moment)


def test_the_statement_page_path_equals_the_computation(june, clock):
    """The open month as the pages read it (reused within the minute) is the statement
    computed from the clocks, and the closed month is its stored snapshot, whose figures
    the open month's trend shows."""
    moment = ny(2025, 7, 1, 12)
    shown = statement_for(june.contract, JULY)
    assert shown == _computed(june, JULY, moment)
    assert shown["compliance"]["overall"]["total"] == 2  # T5's first response and resolution
    assert statement_for(june.contract, JULY) == shown  # the reused one
    june_shown = statement_for(june.contract, Period(2025, 6))
    assert june_shown["compliance"] == _computed(june, Period(2025, 6), moment)["compliance"]
    at = shown["trend"]["months"].index("2025-06")
    assert shown["trend"]["decided"][at] == 18
    assert shown["trend"]["availability_percent"][at] == june_shown["availability"]["percent"]


def test_a_ticket_change_is_seen_at_once_and_time_within_the_minute(june, clock):
    """Resolving T7 in the same minute: the page shows it (a new event). Without a change,
    the figures are those of the minute's first request until the next minute."""
    first = statement_for(june.contract, JULY)
    clock.at(ny(2025, 7, 1, 12, 0, 30))
    assert statement_for(june.contract, JULY)["generated_at"] == first["generated_at"]
    ts.resolve_ticket(
        ticket=Ticket.objects.get(pk=june.tickets["T7"].pk), actor=june.world.agent,
        resolution="Fixed",
    )  # fmt: skip
    after = statement_for(june.contract, JULY)
    assert after == _computed(june, JULY, ny(2025, 7, 1, 12, 0, 30))
    assert after["compliance"]["overall"]["total"] == 3  # T7's resolution decided in July
    clock.at(ny(2025, 7, 1, 12, 1))
    later = statement_for(june.contract, JULY)
    assert later["generated_at"] != after["generated_at"]
    assert later == _computed(june, JULY, ny(2025, 7, 1, 12, 1))


def test_an_instant_given_is_always_computed(june, clock):
    """The audit export asks for figures as of an instant: never a reused statement."""
    statement_for(june.contract, JULY)
    moment = ny(2025, 7, 1, 12, 0, 20)
    assert statement_for(june.contract, JULY, now=moment) == _computed(june, JULY, moment)


def test_the_dashboard_page_path_equals_the_computation(june, clock, settings):
    """The dashboard as the page reads it equals the figures computed as of that instant;
    the second request in the minute reuses today's part (fewer queries), and a ticket
    change is seen at once."""
    settings.TIME_ZONE = "America/New_York"
    moment = ny(2025, 7, 1, 12)
    shown = portfolio()
    assert shown == portfolio(now=moment)
    with CaptureQueriesContext(connection) as fresh:
        portfolio(now=moment)
    with CaptureQueriesContext(connection) as reused:
        assert portfolio() == shown
    assert len(reused) < len(fresh)
    clock.at(moment + timedelta(seconds=30))
    ts.resolve_ticket(
        ticket=Ticket.objects.get(pk=june.tickets["T7"].pk), actor=june.world.agent,
        resolution="Fixed",
    )  # fmt: skip
    after = portfolio()
    assert after["overall"]["total"] == shown["overall"]["total"] + 1
    assert after == portfolio(now=moment + timedelta(seconds=30))
