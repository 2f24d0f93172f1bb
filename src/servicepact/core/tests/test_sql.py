"""core.sql.ids_in: the same rows as ``__in``, one array parameter on PostgreSQL."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from servicepact.core.sql import ids_in

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
