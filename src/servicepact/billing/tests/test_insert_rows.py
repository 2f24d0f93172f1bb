"""``core.bulk.insert_rows`` (the period close's writer): plain tuples in, the same rows as
the ORM would write (decimals exact, aware datetimes, JSON, NULLs), on SQLite and PostgreSQL."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import IntegrityError, connection

from servicepact.billing.models import HoursEntry, PeriodCharge
from servicepact.billing.testing_commerce import shop
from servicepact.contracts.models import Contract
from servicepact.core.bulk import insert_rows, insert_rows_with_ids, insert_statement
from servicepact.core.testing import Clock, ny

pytestmark = pytest.mark.django_db


def test_rows_are_written_with_each_fields_own_preparation(clock: Clock):
    s = shop(clock)
    at = ny(2025, 7, 1, 8, 30)
    fields = ("contract", "period", "bucket", "kind", "hours", "expires_period", "reason", "at")
    m = "maintenance"
    rows = [
        (s.contract.pk, "2025-06", m, "included", Decimal("10.00"), "2025-07", "close", at),
        (s.contract.pk, "2025-06", m, "consumed", Decimal("-12.25"), "", "close", at),
        (s.contract.pk, "2025-07", m, "rolled_over", 3, "2025-07", "", at),
    ]
    assert insert_rows(HoursEntry, fields, rows) == 3
    written = list(
        HoursEntry.objects.filter(contract=s.contract).order_by("id").values_list(*fields, "actor")
    )
    assert written == [(*row, None) for row in rows]
    assert [type(r[4]) for r in written] == [Decimal] * 3

    hours = {"included": "10.00", "consumed": "12.25"}
    charge_fields = ("contract", "period", "status", "currency", "total", "hours", "computed_at")
    first = (s.contract.pk, "2025-06", "draft", "EUR", Decimal("1234.56"), hours, at)
    empty: dict[str, str] = {}
    second = (s.contract.pk, "2025-07", "draft", "EUR", Decimal("-0.01"), empty, at)
    assert insert_rows(PeriodCharge, charge_fields, iter([first, second])) == 2
    charges = list(PeriodCharge.objects.filter(contract=s.contract).order_by("period"))
    assert [(c.total, c.hours, c.computed_at, c.approved_at) for c in charges] == [
        (Decimal("1234.56"), hours, at, None),
        (Decimal("-0.01"), {}, at, None),
    ]


def test_no_rows_write_nothing(clock: Clock):
    assert insert_rows(HoursEntry, ("contract", "period"), []) == 0
    assert not HoursEntry.objects.exists()


# ``insert_statement``: the same preparation, ONE statement (the alert inbox's writer).


def test_one_statement_writes_every_row_with_its_fields_preparation(clock: Clock):
    s = shop(clock)
    at = ny(2025, 7, 1, 8, 30)
    fields = ("contract", "period", "status", "currency", "total", "hours", "computed_at")
    hours = {"included": "10.00"}
    rows = [
        (s.contract.pk, "2025-06", "draft", "EUR", Decimal("1234.56"), hours, at),
        (s.contract.pk, "2025-07", "draft", "EUR", Decimal("-0.01"), {}, at),
    ]
    assert insert_statement(PeriodCharge, fields, rows) == 2
    written = PeriodCharge.objects.filter(contract=s.contract).order_by("period")
    assert [(c.total, c.hours, c.computed_at) for c in written] == [
        (Decimal("1234.56"), hours, at),
        (Decimal("-0.01"), {}, at),
    ]
    assert insert_statement(PeriodCharge, fields, []) == 0


@pytest.mark.parametrize("holds", [True, False])
def test_one_guarded_statement_writes_every_row_only_where_its_condition_holds(clock, holds):
    """``where=``: ``INSERT … SELECT … WHERE`` — decimals, JSON, aware instants and text go
    through the same preparation (typed the same on PostgreSQL) when the condition holds, and
    nothing is written when it does not."""
    s = shop(clock)
    at = ny(2025, 7, 1, 8, 30)
    fields = ("contract", "period", "status", "currency", "total", "hours", "computed_at")
    hours = {"included": "10.00", "notes": ["a", 1]}
    rows = [
        (s.contract.pk, "2025-06", "draft", "EUR", Decimal("1234.56"), hours, at),
        (s.contract.pk, "2025-07", "draft", "EUR", Decimal("-0.01"), {}, at),
    ]
    table = connection.ops.quote_name(Contract._meta.db_table)
    number = s.contract.number if holds else "no such contract"
    where = (
        f"EXISTS (SELECT 1 FROM {table} WHERE id = %s AND number = %s)",
        [s.contract.pk, number],
    )
    assert insert_statement(PeriodCharge, fields, rows, where=where) == (2 if holds else 0)
    written = PeriodCharge.objects.filter(contract=s.contract).order_by("period")
    expected = [(Decimal("1234.56"), hours, at), (Decimal("-0.01"), {}, at)] if holds else []
    assert [(c.total, c.hours, c.computed_at) for c in written] == expected


@pytest.mark.django_db(transaction=True)
def test_one_statement_stores_all_rows_or_none(clock: Clock):
    """Outside any transaction (autocommit, as in the inbox endpoint): a row the database
    refuses (here a period that is NULL) leaves no row of the statement behind."""
    s = shop(clock)
    at = ny(2025, 7, 1, 8, 30)
    fields = ("contract", "period", "status", "currency", "total", "hours", "computed_at")
    empty: dict[str, str] = {}
    good = (s.contract.pk, "2025-06", "draft", "EUR", Decimal("1.00"), empty, at)
    bad = (s.contract.pk, None, "draft", "EUR", Decimal("1.00"), empty, at)  # period NOT NULL
    with pytest.raises(IntegrityError):
        insert_statement(PeriodCharge, fields, [good, bad])
    assert not PeriodCharge.objects.filter(contract=s.contract).exists()


# ``insert_rows_with_ids``: the same preparation, and each row's new key, in order.


def test_rows_with_ids_hand_back_each_rows_key_in_order(clock: Clock):
    s = shop(clock)
    at = ny(2025, 7, 1, 8, 30)
    fields = ("contract", "period", "status", "currency", "total", "hours", "computed_at")
    periods = [f"2024-{m:02d}" for m in range(12, 0, -1)]  # not in key order on purpose
    rows = [
        (s.contract.pk, p, "draft", "EUR", Decimal(f"{i}.01"), {"n": str(i)}, at)
        for i, p in enumerate(periods)
    ]
    ids = insert_rows_with_ids(PeriodCharge, fields, rows)
    assert len(set(ids)) == len(rows) and ids == sorted(ids)
    written = PeriodCharge.objects.in_bulk(ids)
    assert [
        (written[pk].period, written[pk].total, written[pk].hours, written[pk].computed_at)
        for pk in ids
    ] == [(p, Decimal(f"{i}.01"), {"n": str(i)}, at) for i, p in enumerate(periods)]
    # The table's own numbering goes on after them.
    later = PeriodCharge.objects.create(
        contract=s.contract, period="2025-01", status="draft", currency="EUR", total=0,
        hours={}, computed_at=at,
    )  # fmt: skip
    assert later.pk > ids[-1]
    assert insert_rows_with_ids(PeriodCharge, fields, []) == []
