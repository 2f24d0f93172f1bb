"""Every API list pages by offset or by keyset cursor (``after``), counts up to a cap unless
``count=exact``, and refuses a cursor it did not issue (422 naming ``after``)."""

from __future__ import annotations

import base64
import json
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from servicepact.core import keyset, pagination
from servicepact.tickets.models import Ticket

from .conftest import ny, open_ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def many(acme, globex, clock):
    """Six Acme and four Globex tickets a minute apart; four of Acme's share one instant."""
    for i in range(10):
        clock.at(ny(2025, 6, 2, 9) + timedelta(minutes=i))
        open_ticket(acme if i % 3 else globex, subject=f"Ticket {i}")
    same = ny(2025, 6, 2, 12)
    tie = list(Ticket.objects.filter(customer=acme.customer).order_by("id")[:4])
    Ticket.objects.filter(pk__in=[t.pk for t in tie]).update(opened_at=same)
    return acme, globex


def walk(api, path, limit, **params):
    """Every page by cursor; returns the ids in the order seen and the pages' bodies."""
    seen, bodies, after = [], [], None
    while True:
        query = dict(params, limit=limit, **({"after": after} if after else {}))
        response = api.get(path, **query)
        assert response.status_code == 200, response.json()
        body = response.json()
        bodies.append(body)
        seen += [row["id"] for row in body["items"]]
        after = body.get("next")
        if after is None:
            return seen, bodies
        assert len(bodies) < 50, "the walk does not end"


def expected_order(**filters):
    rows = Ticket.objects.filter(**filters).order_by("-opened_at", "-id")
    return list(rows.values_list("id", flat=True))


def test_walk_returns_every_ticket_once_in_order_across_ties(staff, many):
    seen, bodies = walk(staff, "/tickets", 2)
    assert seen == expected_order()
    assert len(seen) == len(set(seen)) == 10
    assert [len(b["items"]) for b in bodies] == [2, 2, 2, 2, 2]
    assert all(b["count"] == 10 for b in bodies)
    assert "next" not in bodies[-1] and all(b["next"] for b in bodies[:-1])


def test_cursor_and_offset_pages_agree(staff, many):
    by_offset = staff.get("/tickets", limit=3, offset=3).json()
    first = staff.get("/tickets", limit=3).json()
    by_cursor = staff.get("/tickets", limit=3, after=first["next"]).json()
    assert [r["id"] for r in by_cursor["items"]] == [r["id"] for r in by_offset["items"]]
    assert by_cursor["next"] == by_offset["next"]


def test_contact_walk_never_sees_another_customers_tickets(acme_contact, globex_contact, many):
    acme, globex = many
    seen, _ = walk(acme_contact, "/tickets", 2)
    assert seen == expected_order(customer=acme.customer)
    theirs, _ = walk(globex_contact, "/tickets", 1)
    assert theirs == expected_order(customer=globex.customer)
    assert not set(seen) & set(theirs)
    # A cursor taken from staff's walk (positioned on a Globex ticket) still yields Acme only.
    staff_first = Ticket.objects.filter(customer=globex.customer).order_by("-opened_at", "-id")
    cursor = keyset.encode(
        staff_first[0], keyset.sort_keys(Ticket.objects.order_by("-opened_at", "-id"))
    )
    rows = acme_contact.get("/tickets", after=cursor).json()["items"]
    assert rows and {r["customer"]["id"] for r in rows} == {acme.customer.pk}


def _forge(values, signature_of=None):
    keys = keyset.sort_keys(signature_of or Ticket.objects.order_by("-opened_at", "-id"))
    raw = json.dumps({"o": keyset._signature(keys), "k": values}).encode()
    return base64.urlsafe_b64encode(raw).decode()


@pytest.mark.parametrize(
    "cursor",
    [
        "not a cursor!",
        "e30",  # {}
        base64.urlsafe_b64encode(b"[1, 2]").decode(),
        _forge(["yesterday", 3]),
        _forge(["2025-06-02T12:00:00+00:00"]),
        _forge(["2025-06-02T12:00:00+00:00", "three"]),
        _forge([None, 3]),
        _forge(["2025-06-02T12:00:00", 3]),  # no offset
    ],
)
def test_a_bad_cursor_is_a_422_naming_after(staff, many, cursor):
    response = staff.get("/tickets", after=cursor)
    assert response.status_code == 422
    assert [d["loc"] for d in response.json()["detail"]] == [["query", "after"]]


def test_a_cursor_of_another_list_is_refused(staff, many):
    customers = staff.get("/customers", limit=1).json()
    assert customers["next"]
    response = staff.get("/tickets", after=customers["next"])
    assert response.status_code == 422
    assert "order differs" in response.json()["detail"][0]["msg"]


def test_cursor_with_offset_and_unknown_count_mode_are_refused(staff, many):
    first = staff.get("/tickets", limit=2).json()
    response = staff.get("/tickets", after=first["next"], offset=2)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", "offset"]
    response = staff.get("/tickets", count="fast")
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", "count"]


def _counts(api, **params):
    with CaptureQueriesContext(connection) as ctx:
        response = api.get("/tickets", **params)
    assert response.status_code == 200
    sqls = [q["sql"].upper() for q in ctx.captured_queries]
    return response.json(), [s for s in sqls if "COUNT(" in s]


def test_no_unbounded_count_unless_asked(staff, many):
    body, counts = _counts(staff, limit=2)
    assert body["count"] == 10 and "count_exact" not in body
    assert len(counts) == 1 and f"LIMIT {pagination.COUNT_CAP + 1}" in counts[0]
    body, counts = _counts(staff, limit=2, after=body["next"])
    assert len(counts) == 1 and f"LIMIT {pagination.COUNT_CAP + 1}" in counts[0]
    body, counts = _counts(staff, limit=2, count="exact")
    assert body["count"] == 10
    assert len(counts) == 1 and "LIMIT" not in counts[0]


def test_a_list_on_one_page_counts_its_rows_without_a_count_query(staff, many):
    body, counts = _counts(staff, limit=50)
    assert body["count"] == 10 and counts == []
    assert set(body) == {"items", "count"}
    body, counts = _counts(staff, limit=4, offset=8)
    assert body["count"] == 10 and counts == [] and "next" not in body
    body, counts = _counts(staff, limit=4, offset=20)
    assert body["items"] == [] and body["count"] == 10 and len(counts) == 1


def test_a_capped_count_says_so(staff, many, monkeypatch):
    monkeypatch.setattr(pagination, "COUNT_CAP", 6)
    body = staff.get("/tickets", limit=2).json()
    assert body["count"] == 6 and body["count_exact"] is False
    exact = staff.get("/tickets", limit=2, count="exact").json()
    assert exact["count"] == 10 and "count_exact" not in exact
    below = staff.get("/tickets", limit=2, customer=many[1].customer.pk).json()
    assert below["count"] == 4 and "count_exact" not in below


def test_the_list_query_leaves_the_description_out(staff, many):
    with CaptureQueriesContext(connection) as ctx:
        assert staff.get("/tickets", limit=2).status_code == 200
    page_sql = [q["sql"] for q in ctx.captured_queries if '"tickets_ticket"."subject"' in q["sql"]]
    assert page_sql and all('"tickets_ticket"."description"' not in s for s in page_sql)


LISTS = [
    "/customers",
    "/sites",
    "/contacts",
    "/assets",
    "/contracts",
    "/plans",
    "/calendars",
    "/tickets",
    "/changes",
    "/notifications",
    "/outages",
    "/worklogs",
    "/part-uses",
    "/credits",
    "/statements",
    "/measurements",
    "/escalation-policies",
]


@pytest.mark.parametrize("path", LISTS)
def test_every_list_walks_by_cursor_like_by_offset(staff, many, path):
    everything = staff.get(path, limit=500).json()
    assert "next" not in everything
    seen, bodies = walk(staff, path, 1)
    assert seen == [row["id"] for row in everything["items"]]
    assert len(bodies) == max(1, len(seen))


def test_outages_and_work_logs_walk_by_cursor_with_ties(staff, many):
    """Rows that share their sort instant (three outages started together, three logs of one
    day) come out once each, in the list's order, one per page."""
    from servicepact.billing.services import log_work
    from servicepact.monitoring.services import record_outage

    acme, _ = many
    ticket = Ticket.objects.filter(customer=acme.customer).order_by("id")[0]
    start = ny(2025, 6, 2, 8)
    for n in range(3):
        record_outage(
            asset=ticket.asset,
            started_at=start,
            ended_at=start + timedelta(minutes=10 + n),
            reason=f"cable {n}",
        )
        log_work(ticket=ticket, user=acme.agent, minutes=30 + n, day=start.date())
    for path in ("/outages", "/worklogs"):
        everything = [row["id"] for row in staff.get(path, limit=500).json()["items"]]
        seen, bodies = walk(staff, path, 1)
        assert seen == everything and len(everything) == 3, path
        assert len(bodies) == 3, path


def test_contract_lines_walk(staff, many):
    acme, _ = many
    path = f"/contracts/{acme.contract.pk}/lines"
    everything = [row["id"] for row in staff.get(path).json()["items"]]
    seen, _ = walk(staff, path, 1)
    assert seen == everything and everything


def test_a_nullable_sort_key_is_a_programming_error():
    with pytest.raises(TypeError, match="non-null"):
        keyset.sort_keys(Ticket.objects.order_by("resolved_at"))
    with pytest.raises(TypeError, match="single-valued"):
        keyset.sort_keys(Ticket.objects.order_by("clocks__metric"))


def test_a_foreign_key_sort_key_compares_its_column(staff, many):
    """``order_by("customer")`` would follow Customer's ordering; the cursor keys on the id."""
    keys = keyset.sort_keys(Ticket.objects.order_by("customer", "-opened_at"))
    assert [(k.path, k.descending) for k in keys] == [
        ("customer_id", False),
        ("opened_at", True),
        ("id", True),
    ]
    listed = keyset.ordered(Ticket.objects.all(), keys)
    expected = list(listed.values_list("id", flat=True))
    seen, after = [], None
    while True:
        found = pagination.list_page(
            Ticket.objects.order_by("customer", "-opened_at"), limit=3, after=after
        )
        seen += [t.pk for t in found.items]
        if (after := found.next) is None:
            break
    assert seen == expected and len(seen) == 10
