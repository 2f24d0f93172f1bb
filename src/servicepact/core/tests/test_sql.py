"""core.sql.ids_in: the same rows as ``__in``, one array parameter on PostgreSQL."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from servicepact.core.sql import ids_in, in_subquery_rows

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
