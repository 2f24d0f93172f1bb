"""The one CSV writer: formula injection neutralised in text cells only, booleans as
true/false, a BOM only when asked, one table per file."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from servicepact.core.csvexport import cell, csv_bytes, csv_text


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+2", "'=1+2"),
        ('=HYPERLINK("http://evil.example")', '\'=HYPERLINK("http://evil.example")'),
        ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("-", "'-"),
        ("Acme = good", "Acme = good"),  # only the first character counts
        ("阿克梅", "阿克梅"),
        ("", ""),
        # Numbers are numbers, not formulas: never escaped, typed or as text.
        (-5, "-5"),
        (Decimal("-12.50"), "-12.50"),
        (-0.5, "-0.5"),
        ("-5", "-5"),
        ("-12.50", "-12.50"),
        ("+3", "+3"),
        ("-1e3", "-1e3"),
        (True, "true"),
        (False, "false"),
        (None, ""),
        (date(2025, 6, 1), "2025-06-01"),
        (datetime(2025, 6, 1, 9, tzinfo=UTC), "2025-06-01T09:00:00+00:00"),
    ],
)
def test_cell(value, expected):
    assert cell(value) == expected


def test_one_table_without_bom_reads_back():
    text = csv_text(
        ["name", "amount", "met"], [["=evil", -5, True], ["阿克梅, Inc.", "1.50", None]]
    )
    assert text == 'name,amount,met\n\'=evil,-5,true\n"阿克梅, Inc.",1.50,\n'
    assert list(csv.reader(io.StringIO(text))) == [
        ["name", "amount", "met"],
        ["'=evil", "-5", "true"],
        ["阿克梅, Inc.", "1.50", ""],
    ]


def test_bom_only_when_asked():
    with_bom = csv_bytes(["客户"], [["阿克梅"]], bom=True)
    assert with_bom.startswith(b"\xef\xbb\xbf")
    assert with_bom.decode("utf-8-sig") == "客户\n阿克梅\n"
    assert csv_bytes(["客户"], [["阿克梅"]], bom=False) == "客户\n阿克梅\n".encode()
