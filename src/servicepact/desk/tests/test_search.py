"""The desk header's search: tickets by number, subject, customer and asset; paged, limited."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from servicepact.assets.models import Asset
from servicepact.desk import search
from servicepact.desk.search import PER_PAGE, search_tickets, ticket_number
from servicepact.tickets import services as ts
from servicepact.tickets.models import Ticket
from servicepact.tickets.testing import login, ny

pytestmark = pytest.mark.django_db


@pytest.fixture
def tickets(acme, globex, clock):
    clock.at(ny(2025, 3, 3, 9))
    Asset.objects.filter(pk=acme.asset.pk).update(serial_number="CZJ1234XYZ", model="DL380 Gen10")
    disk = ts.open_ticket(
        customer=acme.customer, contact=acme.contact, asset=acme.asset, subject="RAID degraded"
    )
    clock.at(ny(2025, 3, 3, 10))
    vpn = ts.open_ticket(
        customer=globex.customer, contact=globex.contact, asset=globex.asset, subject="VPN flaps"
    )
    return {"disk": disk, "vpn": vpn}


def _numbers(page) -> list[str]:
    return [t.number for t in page.items]


@pytest.mark.parametrize(
    ("term", "expected"),
    [("SP-000123", "SP-000123"), ("sp-123", "SP-000123"), ("123", "SP-000123"),
     ("SP000042", "SP-000042"), ("0007", "SP-000007"), ("disk 12", None), ("", None),
     ("SP-", None), ("12a", None)],
)  # fmt: skip
def test_a_number_is_read_however_it_is_typed(term, expected):
    assert ticket_number(term) == expected


def test_each_field_finds_its_ticket(tickets):
    """Subject, customer name, customer code, hostname, serial number, model, number; the
    other customer's ticket is not among them."""
    disk, vpn = tickets["disk"], tickets["vpn"]
    for term in ("raid", "Acme", "acme", "acme-srv01", "czj1234xyz", "DL380", disk.number):
        assert _numbers(search_tickets(term)) == [disk.number], term
    assert _numbers(search_tickets("vpn")) == [vpn.number]
    assert _numbers(search_tickets("srv01")) == [vpn.number, disk.number]  # newest first
    assert _numbers(search_tickets("nothing like this")) == []
    assert search_tickets("   ").count == 0


def test_a_number_typed_short_opens_the_ticket(tickets, acme):
    """ "123"-style input that names an existing ticket redirects to it; an unknown number
    shows an empty result list."""
    disk = tickets["disk"]
    client = login(acme.agent)
    short = str(int(disk.number.removeprefix("SP-")))
    r = client.get("/desk/search/", {"q": short})
    assert (r.status_code, r["Location"]) == (302, f"/desk/tickets/{disk.pk}/")
    r = client.get("/desk/search/", {"q": "SP-999999"})
    assert r.status_code == 200 and "No ticket matches." in r.content.decode()


def test_the_result_page_lists_matches_with_links(tickets, acme):
    html = login(acme.agent).get("/desk/search/", {"q": "raid"}).content.decode()
    assert f'href="/desk/tickets/{tickets["disk"].pk}/"' in html
    assert "1 ticket matches “raid”." in html
    assert "VPN flaps" not in html


def _backups(acme, clock, n: int) -> None:
    """``n`` tickets "Backup 00" .. of acme: one opened, the others bulk copies of it."""
    clock.at(ny(2025, 3, 3, 9))
    first = ts.open_ticket(
        customer=acme.customer, contact=acme.contact, asset=acme.asset, subject="Backup 00"
    )
    copies = []
    for i in range(1, n):
        row = Ticket.objects.get(pk=first.pk)
        row.pk, row.number, row.subject = None, f"BK-{i:04d}", f"Backup {i:02d}"
        copies.append(row)
    Ticket.objects.bulk_create(copies)


def test_results_are_paged_and_sql_limited(acme, clock):
    """60 matching tickets: 25 + 25 + 10 over three pages, each read with LIMIT 25."""
    _backups(acme, clock, 60)
    sizes = [len(search_tickets("backup", page=n).items) for n in (1, 2, 3)]
    assert sizes == [PER_PAGE, PER_PAGE, 10]
    seen = {t.subject for n in (1, 2, 3) for t in search_tickets("backup", page=n).items}
    assert len(seen) == 60
    with CaptureQueriesContext(connection) as queries:
        html = login(acme.agent).get("/desk/search/", {"q": "backup", "page": 2}).content.decode()
    assert "Page 2 of 3" in html and "26–50 of 60" in html
    ticket_sql = [q["sql"] for q in queries if "LIMIT" in q["sql"] and "tickets_ticket" in q["sql"]]
    counts = [sql for sql in ticket_sql if sql.startswith("SELECT COUNT(*)")]
    listing = [sql for sql in ticket_sql if sql not in counts]
    assert listing and all("LIMIT 25" in sql for sql in listing)
    # The count is capped too (a subquery with LIMIT COUNT_CAP + 1).
    assert len(counts) == 1 and f"LIMIT {search.COUNT_CAP + 1}" in counts[0]


def test_contacts_do_not_reach_the_desk_search(tickets, acme):
    """A customer contact gets 404 (the desk does not exist for them)."""
    assert login(acme.contact.user).get("/desk/search/", {"q": "raid"}).status_code == 404


def test_the_search_box_is_in_the_desk_header(tickets, acme):
    html = login(acme.agent).get("/desk/").content.decode()
    assert 'action="/desk/search/"' in html and 'name="q"' in html


def test_customers_and_assets_are_matched_by_their_own_tables(tickets, acme, monkeypatch):
    """The ticket query gets the matching customers' and assets' ids (no join in its WHERE);
    past ``MAX_IDS`` of them it takes their query as a subquery and finds the same tickets."""
    disk = tickets["disk"]
    with CaptureQueriesContext(connection) as queries:
        assert _numbers(search_tickets("Acme")) == [disk.number]
    listing = [q["sql"] for q in queries if "LIMIT 25" in q["sql"]]
    assert len(listing) == 1
    where = listing[0].split(" WHERE ", 1)[1]
    assert "customers_customer" not in where and "assets_asset" not in where
    assert f'"customer_id" IN ({acme.customer.pk})' in where
    monkeypatch.setattr(search, "MAX_IDS", 0)
    for term in ("Acme", "acme-srv01", "DL380", "raid", disk.number):
        assert _numbers(search_tickets(term)) == [disk.number], term


def test_a_term_matching_more_than_the_cap_says_so(acme, clock, monkeypatch):
    """The count stops at COUNT_CAP: the page says "more than" and pages through the cap."""
    monkeypatch.setattr(search, "COUNT_CAP", 30)
    _backups(acme, clock, 40)
    found = search_tickets("backup", page=9)
    assert (found.count, found.more, found.number, len(found.items)) == (30, True, 2, 15)
    assert search_tickets("backup 0").more is False  # 10 match
    html = login(acme.agent).get("/desk/search/", {"q": "backup"}).content.decode()
    assert "More than 30 tickets match “backup”" in html


def test_postgres_serves_the_subject_from_the_trigram_index(tickets):
    """The index is on the expression Django's icontains compiles to (UPPER(subject::text)):
    with sequential scans off, the subject branch is read from it."""
    if connection.vendor != "postgresql":
        pytest.skip("the pg_trgm index is PostgreSQL's (SQLite scans the subject)")
    sql, params = (
        Ticket.objects.filter(search.search_filter("degraded"))
        .order_by()
        .values("pk")
        .query.sql_with_params()
    )
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "ticket_subject_trgm_idx" in plan, plan
    assert _numbers(search_tickets("degraded")) == [tickets["disk"].number]
