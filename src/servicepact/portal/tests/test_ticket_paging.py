"""The portal's ticket list pages through any number of tickets (it used to stop at 200)."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from servicepact.tickets import services as ts
from servicepact.tickets.models import Ticket
from servicepact.tickets.testing import ny

pytestmark = pytest.mark.django_db


@pytest.fixture
def many(acme, globex, clock):
    """230 open Acme tickets (one opened through the service, 229 copies of its row) and 5 of
    Globex that Acme must never see."""
    clock.at(ny(2025, 3, 3, 9))
    first = ts.open_ticket(
        customer=acme.customer, contact=acme.contact, asset=acme.asset, subject="Ticket 000"
    )
    rows = []
    for i in range(1, 230):
        copy = Ticket.objects.get(pk=first.pk)
        copy.pk, copy.number, copy.subject = None, f"ACME-T{i:04d}", f"Ticket {i:03d}"
        copy.next_deadline_at = None
        rows.append(copy)
    Ticket.objects.bulk_create(rows)
    for i in range(5):
        ts.open_ticket(
            customer=globex.customer, contact=globex.contact, asset=globex.asset, subject=f"G{i}"
        )
    return first


def _subjects(html: str) -> list[str]:
    return re.findall(r'<span class="ticket-no">[^<]*</span> (Ticket \d{3}|G\d)</a>', html)


def test_every_ticket_is_reachable_page_by_page(many, contact_client):
    """50 a page: pages 1-4 hold 50, page 5 the last 30; together all 230 Acme tickets, each
    once, and no Globex ticket. The pager says where one is."""
    seen = []
    for number in range(1, 6):
        html = contact_client.get(f"/portal/?show=open&page={number}").content.decode()
        subjects = _subjects(html)
        assert len(subjects) == (50 if number < 5 else 30)
        seen.extend(subjects)
        assert f"Page {number} of 5" in html
    assert sorted(seen) == [f"Ticket {i:03d}" for i in range(230)]
    last = contact_client.get("/portal/?show=open&page=5").content.decode()
    assert "201–230 of 230" in last and 'rel="next"' not in last
    assert 'href="?show=open&amp;page=4"' in last


def test_a_page_past_the_end_or_not_a_number_is_clamped(many, contact_client):
    """page=99 shows the last page; page=abc the first."""
    assert "Page 5 of 5" in contact_client.get("/portal/?page=99").content.decode()
    assert "Page 1 of 5" in contact_client.get("/portal/?page=abc").content.decode()


def test_the_list_is_sql_limited(many, contact_client):
    """The tickets query carries LIMIT 50: the page never loads all 230 rows."""
    with CaptureQueriesContext(connection) as queries:
        contact_client.get("/portal/?show=all&page=2")
    listing = [  # the rows' query (the home's counts have their own cap, test_home_counts)
        q["sql"]
        for q in queries
        if 'FROM "tickets_ticket"' in q["sql"] and "LIMIT" in q["sql"] and "COUNT(" not in q["sql"]
    ]
    assert listing and all("LIMIT 50" in sql for sql in listing)
    assert any("OFFSET 50" in sql for sql in listing)


def test_few_tickets_show_no_pager(acme, contact_client, clock):
    clock.at(ny(2025, 3, 3, 9))
    ts.open_ticket(customer=acme.customer, contact=acme.contact, asset=acme.asset, subject="One")
    html = contact_client.get("/portal/").content.decode()
    assert 'class="pager"' not in html and "One" in html


def test_the_count_stops_at_the_pager_cap(many, contact_client, monkeypatch):
    """The "all" list counts at most PAGER_CAP + 1 rows (LIMIT in the count's SQL): past the
    cap the pager says "more than" and pages through the cap's rows; at the cap it is exact."""
    from servicepact.core import pagination

    monkeypatch.setattr(pagination, "PAGER_CAP", 100)
    with CaptureQueriesContext(connection) as queries:
        html = contact_client.get("/portal/?show=all").content.decode()
    counted = [q["sql"] for q in queries.captured_queries if "COUNT(" in q["sql"].upper()]
    assert any(re.search(r"LIMIT 101\b", sql) for sql in counted), counted
    assert "1–50 of more than 100" in html and "Page 1 of more than 2" in html
    last = contact_client.get("/portal/?show=all&page=9").content.decode()
    assert "51–100 of more than 100" in last and 'rel="next"' not in last
    assert len(_subjects(last)) == 50
    monkeypatch.setattr(pagination, "PAGER_CAP", 230)
    exact = contact_client.get("/portal/?show=all&page=5").content.decode()
    assert "201–230 of 230" in exact and "more than" not in exact


def test_paginate_page_caps_a_plain_and_a_values_queryset(many):
    from servicepact.core.pagination import paginate_page

    acme = Ticket.objects.filter(customer=many.customer).order_by("-pk")
    page = paginate_page(acme, page=1, per_page=10, cap=229)
    assert (page.count, page.more, page.pages) == (229, True, 23)
    page = paginate_page(acme, page=1, per_page=10, cap=230)
    assert (page.count, page.more) == (230, False)
    rows = paginate_page(acme.values("subject"), page=3, per_page=100, cap=1000)
    assert (rows.count, rows.more, len(rows.items)) == (230, False, 30)
    given = paginate_page(acme, page=2, per_page=10, count=12)
    assert (given.count, given.more, len(given.items)) == (12, False, 10)
