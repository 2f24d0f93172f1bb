"""core.sql.ids_in: the same rows as ``__in``, one array parameter on PostgreSQL; core.sql.counts:
several ``count()`` in one query."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from servicepact.core.sql import counts, ids_in, in_subquery_rows

pytestmark = pytest.mark.django_db


def test_ids_in_finds_what_in_finds():
    users = get_user_model().objects
    made = [users.create_user(username=f"u{i}", password=None).pk for i in range(5)]
    wanted = [made[0], made[3], 10**9]
    with CaptureQueriesContext(connection) as queries:
        found = sorted(users.filter(ids_in("pk", wanted)).values_list("pk", flat=True))
    assert found == sorted(users.filter(pk__in=wanted).values_list("pk", flat=True))
    assert found == [made[0], made[3]]
    assert not users.filter(ids_in("pk", [])).exists()
    sql = queries[0]["sql"]
    if connection.vendor == "postgresql":
        assert "= ANY(" in sql and sql.count(str(made[3])) == 1
    else:
        assert " IN (" in sql


def test_in_subquery_rows_finds_what_in_finds():
    users = get_user_model().objects
    for i in range(4):
        users.create_user(username=f"s{i}", password=None, is_staff=i % 2 == 0)
    staff = users.filter(is_staff=True).order_by().values("pk")
    with CaptureQueriesContext(connection) as queries:
        found = set(users.filter(in_subquery_rows("pk", staff)).values_list("username", flat=True))
    assert found == {"s0", "s2"}
    assert found == set(users.filter(pk__in=staff).values_list("username", flat=True))
    assert not users.filter(in_subquery_rows("pk", users.none().values("pk"))).exists()
    sql = queries[0]["sql"]
    assert ("= ANY(ARRAY(SELECT" in sql) == (connection.vendor == "postgresql")


def test_counts_are_the_counts_in_one_query():
    users = get_user_model().objects
    for i in range(5):
        users.create_user(username=f"c{i}", password=None, is_staff=i % 2 == 0)
    querysets = [
        users.all(),
        users.filter(is_staff=True).order_by("-username"),  # an order is dropped, not counted
        users.filter(username__startswith="c").select_related(None),
        users.filter(username="c1"),
        users.filter(username="nobody"),
    ]
    with CaptureQueriesContext(connection) as queries:
        found = counts(*querysets)
    assert len(queries) == 1
    assert found == [qs.count() for qs in querysets] == [5, 3, 5, 1, 0]
    assert counts() == []


def test_plain_rows_are_the_rows_the_orm_reads():
    from datetime import UTC, datetime, timedelta

    from servicepact.core import sql

    users = get_user_model().objects
    moments = [
        datetime(2025, 6, 2, 21, 5, 40, tzinfo=UTC),
        datetime(2025, 6, 2, 21, 5, 40, 123456, tzinfo=UTC),
        datetime(2025, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
        datetime(1, 1, 1, 0, 0, tzinfo=UTC),
        datetime(9999, 12, 31, 0, 0, tzinfo=UTC),
        datetime(2025, 3, 30, 1, 0, tzinfo=UTC) + timedelta(microseconds=1),
        None,
    ]
    for i, moment in enumerate(moments):
        users.create_user(username=f"p{i}", password=None, last_login=moment)
    qs = users.order_by("username").values_list("pk", "username", "last_login", "date_joined")
    sql.__dict__["_iso_loader"].cache_clear()
    rows = sql.plain_rows(qs)
    expected = list(qs)
    assert rows == expected
    assert [r[2] for r in rows] == moments
    for got, want in zip(rows, expected, strict=True):
        assert type(got) is tuple
        for a, b in zip(got, want, strict=True):
            assert type(a) is type(b)
            if isinstance(a, datetime):
                assert a.tzinfo is b.tzinfo and a.isoformat() == b.isoformat()
    if connection.vendor == "postgresql":  # the fast loader read them
        assert sql.__dict__["_iso_loader"].cache_info().currsize == 1
    assert sql.plain_rows(qs.none()) == [] == sql.plain_rows(qs.filter(pk__in=[]))
    # Not a tuple query: the ORM's own rows.
    flat = users.order_by("username").values_list("username", flat=True)
    assert sql.plain_rows(flat) == list(flat) == [f"p{i}" for i in range(len(moments))]
