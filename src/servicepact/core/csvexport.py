"""The one CSV writer of every export (statements, audit exports, downloads).

Rules (docs/statements.md, "CSV exports"):

* formula injection: a TEXT cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a
  carriage return is written with a leading ``'``, so a spreadsheet shows it as text instead
  of running it. Numbers are never escaped: an ``int``/``float``/``Decimal``, or a string that
  is a plain decimal number (``-5``, ``-12.50``, ``+3``), is a number, not a formula;
* booleans are ``true``/``false``; ``None`` is an empty cell; dates and datetimes ISO 8601;
* ``bom=True`` (human-facing downloads) starts the bytes with a UTF-8 byte order mark, so
  Excel and LibreOffice read Chinese names as UTF-8; machine-facing files go without one;
* one table per file: ``csv_text``/``csv_bytes`` write one header and its rows.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

BOM = "\ufeff"
_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?", re.ASCII)


def cell(value: Any) -> str:
    """One value as CSV text, by the rules above."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    text = str(value)
    if text.startswith(_TRIGGERS) and not _NUMBER.fullmatch(text):
        return "'" + text
    return text


def writer(out: io.StringIO) -> Any:
    return csv.writer(out, lineterminator="\n")


def write_rows(out: io.StringIO, rows: Iterable[Sequence[Any]]) -> None:
    """Rows (header included, if any) into ``out``, every cell through ``cell``."""
    w = writer(out)
    for row in rows:
        w.writerow([cell(v) for v in row])


def csv_text(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """One table: a header row and its rows, ``\\n`` line ends, no BOM."""
    out = io.StringIO()
    write_rows(out, [header])
    write_rows(out, rows)
    return out.getvalue()


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence[Any]], *, bom: bool) -> bytes:
    """One table as UTF-8 bytes; ``bom`` for files people open in a spreadsheet."""
    return ((BOM if bom else "") + csv_text(header, rows)).encode()
