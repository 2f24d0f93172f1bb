"""The statement page's own path (issue 12) against the full computation.

The page reads ``reports.selectors.statement_page``: a live month's page-sized view
(``formats.page_view``: the breaches and credit rows it shows) reused within the minute, and
the credit draft names each paid breach's metric from one read of the metric table instead
of one query per breach. Every figure must stay what the full computation
(``build_statement`` as of the instant, the credit rules with ``label_of`` per line) gives:
here on a month with a pause, breaches paid and unpaid, a reopened ticket, a force-majeure
exclusion and two calendars (P1 first response 24x7, the rest business hours), at several
instants of the month and after it, and in the cases where nothing is owed.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from servicepact.billing import credits
from servicepact.billing.facts import period_facts
from servicepact.billing.periods import Period
from servicepact.billing.services import (
    availability_note,
    draft_for,
    flag_force_majeure,
    recovery_lines,
    security_lines,
)
from servicepact.billing.testing import june_schedule, manager, ny
from servicepact.contracts.models import Contract
from servicepact.contracts.services import set_target
from servicepact.core.money import minor_units
from servicepact.reports import formats
from servicepact.reports.selectors import statement_for, statement_page
from servicepact.reports.statement import TREND_MONTHS, build_statement
from servicepact.slaclock import statement_rules as rules
from servicepact.tickets import services as ts
from servicepact.tickets.models import Ticket
from servicepact.tickets.testing import always_calendar, world

pytestmark = pytest.mark.django_db

JUNE = Period(2025, 6)

# Instants of the month and after it: paused and resumed, a reopened ticket running again,
# a breached clock still running, the month over (no statement stored), a day later.
INSTANTS = [
    ny(2025, 6, 10, 12),
    ny(2025, 6, 13, 11),
    ny(2025, 6, 30, 16),
    ny(2025, 7, 1, 12),
    ny(2025, 7, 2, 9, 30),
]


@pytest.fixture
def month(clock):
    """June on one contract: P1 first response measured 24x7, everything else Mon-Fri
    09:00-18:00 New York; credits per P1 breach (june_schedule)."""
    clock.at(ny(2025, 5, 20, 8))
    w = world()
    Contract.objects.filter(pk=w.contract.pk).update(
        fee_amount=Decimal("3000"), fee_period="monthly"
    )
    w.contract = Contract.objects.get(pk=w.contract.pk)
    set_target(
        version=w.contract.versions.get(),
        priority=1,
        metric="first_response",
        target_minutes=30,
        calendar=always_calendar(),
    )
    june_schedule(w.contract)
    boss = manager()
    a = w.agent

    def at(when, action, ticket, **kw):
        clock.at(when)
        return action(ticket=Ticket.objects.get(pk=ticket.pk), actor=a, **kw)

    def opened(when, subject, **kw):
        clock.at(when)
        return ts.open_ticket(
            customer=w.customer, contact=w.contact, asset=w.asset, subject=subject, **kw
        )

    # A Saturday: 60 minutes 24x7 breach the first response; business hours count Monday.
    weekend = opened(ny(2025, 6, 7, 12), "Down on Saturday", impact=1, urgency=1)
    at(ny(2025, 6, 7, 13), ts.acknowledge_ticket, weekend)
    at(ny(2025, 6, 9, 10), ts.record_onsite_arrival, weekend)
    at(ny(2025, 6, 9, 10), ts.record_restore, weekend)
    at(ny(2025, 6, 9, 11), ts.resolve_ticket, weekend, resolution="Fixed")
    # Waits on the customer overnight, then misses on site and restore (paid).
    paused = opened(ny(2025, 6, 9, 10), "Waits for logs", impact=1, urgency=1)
    at(ny(2025, 6, 9, 10, 20), ts.acknowledge_ticket, paused)
    at(ny(2025, 6, 9, 10, 30), ts.pause_ticket, paused, reason="Need logs")
    at(ny(2025, 6, 10, 10), ts.resume_ticket, paused)
    at(ny(2025, 6, 10, 15), ts.record_onsite_arrival, paused)
    at(ny(2025, 6, 10, 15), ts.record_restore, paused)
    at(ny(2025, 6, 10, 16), ts.resolve_ticket, paused, resolution="Fixed")
    # Resolved, reopened two days later, resolved again: the resolution breaches (P2: unpaid).
    reopened = opened(ny(2025, 6, 11, 9), "Comes back", impact=2, urgency=2)
    at(ny(2025, 6, 11, 9, 30), ts.acknowledge_ticket, reopened)
    at(ny(2025, 6, 11, 12), ts.resolve_ticket, reopened, resolution="Rebooted")
    at(ny(2025, 6, 13, 10), ts.reopen_ticket, reopened, reason="Back again")
    at(ny(2025, 6, 16, 17), ts.resolve_ticket, reopened, resolution="Replaced")
    # On site and restore breached, then excluded as force majeure: lines at 0 with a reason.
    flood = opened(ny(2025, 6, 12, 10), "Flooded room", impact=1, urgency=1)
    at(ny(2025, 6, 12, 10, 10), ts.acknowledge_ticket, flood)
    at(ny(2025, 6, 12, 16), ts.record_onsite_arrival, flood)
    at(ny(2025, 6, 12, 16), ts.record_restore, flood)
    at(ny(2025, 6, 12, 17), ts.resolve_ticket, flood, resolution="Dried")
    clock.at(ny(2025, 6, 13, 9))
    flag_force_majeure(
        contract=w.contract,
        actor=boss,
        reason="Street flood",
        ticket=Ticket.objects.get(pk=flood.pk),
    )
    # Still open at the month's end: on site breached while running.
    running = opened(ny(2025, 6, 30, 9), "Still broken", impact=1, urgency=1)
    at(ny(2025, 6, 30, 9, 5), ts.acknowledge_ticket, running)
    return w, boss


def _old_draft(facts):
    """The credit draft as it was computed before: ``label_of`` asked once per paid breach."""
    fee = credits.monthly_fee(facts.contract, facts.period)
    return rules.draft_credit(
        fee=fee,
        schedule=facts.schedule,
        schedules=facts.schedules,
        availability=facts.availability.percent,
        availability_note=availability_note(facts),
        breaches=facts.breaches,
        metric_label=credits.metric_label,
        places=minor_units(facts.contract.fee_currency),
        extra=[*security_lines(facts, fee), *recovery_lines(facts, fee)],
    )


def _facts(contract, moment):
    since, _ = JUNE.shift(-(TREND_MONTHS - 1)).bounds(contract.customer.timezone)
    return period_facts(contract, JUNE, now=moment, since=since)


@pytest.mark.parametrize("moment", INSTANTS, ids=lambda m: m.strftime("%m-%d %H:%M"))
def test_the_page_path_equals_the_full_computation(month, clock, moment):
    w, _ = month
    cache.clear()
    clock.at(moment)
    full = build_statement(w.contract, JUNE, now=moment)
    shown = statement_page(w.contract, JUNE)
    assert shown == formats.page_view(full)
    assert statement_page(w.contract, JUNE) == shown  # reused within the minute
    assert statement_for(w.contract, JUNE) == full  # downloads: every breach, every line
    if full["breaches"]:
        assert statement_page(w.contract, JUNE, breaches_page=1) == formats.page_view(
            full, breaches_page=1
        )
    # The credits: the same lines as the rules asking each paid breach's label one by one.
    facts = _facts(w.contract, moment)
    assert draft_for(facts) == _old_draft(facts)
    with translation.override("zh-hans"):
        assert draft_for(facts) == _old_draft(facts)


def test_the_figures_the_month_is_meant_to_have(month, clock):
    """The month really holds what the comparison is about (else it compares nothing)."""
    w, _ = month
    clock.at(ny(2025, 7, 1, 12))
    full = build_statement(w.contract, JUNE, now=ny(2025, 7, 1, 12))
    breaches = {(b["ticket"], b["metric"], b["excluded"]) for b in full["breaches"]}
    numbers = dict(Ticket.objects.values_list("subject", "number"))
    assert (numbers["Down on Saturday"], "first_response", False) in breaches
    assert (numbers["Waits for logs"], "on_site", False) in breaches
    assert (numbers["Comes back"], "resolution", False) in breaches
    assert (numbers["Flooded room"], "on_site", True) in breaches
    assert (numbers["Still broken"], "on_site", False) in breaches
    lines = full["credits"]["lines"]
    assert any(x["excluded"] and x["amount"] == "0.00" for x in lines)
    assert any(not x["excluded"] and Decimal(x["amount"]) > 0 for x in lines)
    assert len({b["metric_label"] for b in full["breaches"]}) >= 3


def test_an_empty_month_and_a_month_without_credits(month, clock):
    """Negative cases: before any ticket nothing is decided, owed or grouped; a month whose
    breaches no schedule pays has breaches but no credit line."""
    w, _ = month
    cache.clear()
    clock.at(ny(2025, 6, 1, 12))
    full = build_statement(w.contract, JUNE, now=ny(2025, 6, 1, 12))
    shown = statement_page(w.contract, JUNE)
    assert shown == formats.page_view(full)
    assert full["breaches"] == [] and shown["breach_list"]["count"] == 0
    assert shown["credit_list"] == {"rows": [], "count": 0, "grouped": False}
    facts = _facts(w.contract, ny(2025, 6, 1, 12))
    assert draft_for(facts) == _old_draft(facts)
    assert draft_for(facts).lines == ()


def test_a_ticket_change_shows_at_once_and_the_next_minute_is_recomputed(month, clock):
    w, _ = month
    cache.clear()
    clock.at(ny(2025, 6, 30, 16))
    before = statement_page(w.contract, JUNE)
    running = Ticket.objects.get(subject="Still broken")
    ts.resolve_ticket(ticket=running, actor=w.agent, resolution="Fixed")
    after = statement_page(w.contract, JUNE)
    assert after != before
    assert after == formats.page_view(build_statement(w.contract, JUNE, now=ny(2025, 6, 30, 16)))
    clock.at(ny(2025, 6, 30, 16, 1))
    later = statement_page(w.contract, JUNE)
    assert later["s"]["cutoff"] != after["s"]["cutoff"]
    assert later == formats.page_view(build_statement(w.contract, JUNE, now=ny(2025, 6, 30, 16, 1)))


def test_a_breaches_page_the_month_lacks_is_refused_and_not_kept(month, clock):
    w, _ = month
    cache.clear()
    clock.at(ny(2025, 7, 1, 12))
    with pytest.raises(formats.NoSuchBreachPage):
        statement_page(w.contract, JUNE, breaches_page=99)
    with pytest.raises(formats.NoSuchBreachPage):
        statement_page(w.contract, JUNE, breaches_page=99)  # not a cached answer either
    full = build_statement(w.contract, JUNE, now=ny(2025, 7, 1, 12))
    assert statement_page(w.contract, JUNE, breaches_page=1) == formats.page_view(
        full, breaches_page=1
    )


def test_many_credit_lines_are_added_up_per_rule_on_the_page_only(month, clock, monkeypatch):
    """Past TOP_CREDIT_LINES lines the page shows one row per breach rule: its lines'
    percentages and amounts added up exactly, the excluded ones counted; the total, the
    other lines and every download are unchanged."""
    w, boss = month
    cache.clear()
    moment = ny(2025, 7, 1, 12)
    clock.at(moment)
    full = build_statement(w.contract, JUNE, now=moment)
    lines = full["credits"]["lines"]
    assert formats.credit_list(lines)["grouped"] is False  # a few lines: shown one by one
    monkeypatch.setattr(formats, "TOP_CREDIT_LINES", 2)
    grouped = formats.credit_list(lines)
    assert grouped["grouped"] is True and grouped["count"] == len(lines)
    breach_lines = [x for x in lines if x["rule"] == "breach"]
    rows = [r for r in grouped["rows"] if r["rule"] == "breach"]
    assert [r["description"] for r in rows] == list(
        dict.fromkeys(x["description"] for x in breach_lines)
    )
    for row in rows:
        mine = [x for x in breach_lines if x["description"] == row["description"]]
        assert row["breaches"] == len(mine)
        assert row["excluded_breaches"] == sum(1 for x in mine if x["excluded"])
        assert Decimal(row["amount"]) == sum(Decimal(x["amount"]) for x in mine)
        assert Decimal(row["percent"]) == sum(Decimal(x["percent"]) for x in mine)
    assert sum(Decimal(r["amount"]) for r in grouped["rows"]) == sum(
        Decimal(x["amount"]) for x in lines
    )
    assert [r for r in grouped["rows"] if r["rule"] != "breach"] == [
        x for x in lines if x["rule"] != "breach"
    ]
    assert any(r["excluded_breaches"] for r in rows)  # the flood's lines are in a group
    # The PDF (everything) and the downloads keep every line.
    assert formats.credit_list(lines, everything=True)["rows"] == lines
    assert statement_for(w.contract, JUNE)["credits"]["lines"] == lines
    # The page itself: the rows, the total as computed.
    client = Client()
    client.force_login(boss)
    page = client.get(f"/reports/desk/contracts/{w.contract.pk}/statement/?period=2025-06")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="credit-scope"' in html
    assert f'id="credit-total">{full["credits"]["amount_due"]} USD' in html
    for row in rows:
        assert row["amount"] in html


def test_the_draft_reads_the_metric_names_once(month, clock):
    """One query for the names however many breaches are paid (it was one per breach)."""
    w, _ = month
    clock.at(ny(2025, 7, 1, 12))
    facts = _facts(w.contract, ny(2025, 7, 1, 12))
    paid = [b for b in facts.breaches if b.excluded_because is None]
    assert len(paid) >= 3

    def queries(breaches):
        with CaptureQueriesContext(connection) as seen:
            draft_for(replace(facts, breaches=breaches))
        return len(seen)

    assert queries(facts.breaches) == queries(paid[:1])
    assert queries(facts.breaches * 5) == queries(paid[:1])


def test_the_page_on_the_next_day_is_not_the_cached_one(month, clock):
    """A cached page is never served for another minute (the cut-off moves)."""
    w, _ = month
    cache.clear()
    clock.at(ny(2025, 6, 30, 16))
    first = statement_page(w.contract, JUNE)
    clock.at(ny(2025, 6, 30, 16) + timedelta(days=1))
    assert statement_page(w.contract, JUNE)["s"]["cutoff"] != first["s"]["cutoff"]
