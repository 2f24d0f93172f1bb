"""``servicepact statement CONTRACT --period --format --output``."""

from __future__ import annotations

import json

import pytest
from django.core.management import CommandError, call_command

from servicepact.billing.testing import june_month

pytestmark = pytest.mark.django_db


def test_statement_command_writes_each_format(clock, tmp_path):
    """JSON with the June figures, a non-empty PDF, CSV and HTML; an unknown contract and a
    bad period are command errors."""
    june_month(clock)
    out = tmp_path / "june.json"
    call_command(
        "statement", "ACME-1", "--period", "2025-06", "--format", "json", "--output", str(out)
    )
    data = json.loads(out.read_text())
    assert (data["period"], data["compliance"]["overall"]["percent"]) == ("2025-06", "72.22")
    for fmt, start in (("pdf", b"%PDF-"), ("csv", b"# statement"), ("html", b"<!doctype html>")):
        path = tmp_path / f"june.{fmt}"
        call_command(
            "statement", "ACME-1", "--period", "2025-06", "--format", fmt, "--output", str(path)
        )
        assert path.read_bytes().startswith(start), fmt
    audit = tmp_path / "audit.zip"
    call_command(
        "statement", "ACME-1", "--period", "2025-06", "--format", "audit", "--output", str(audit)
    )
    assert audit.read_bytes().startswith(b"PK")
    with pytest.raises(CommandError, match="no contract"):
        call_command("statement", "NOPE-1", "--period", "2025-06", "--output", str(out))
    with pytest.raises(CommandError, match="--period"):
        call_command("statement", "ACME-1", "--period", "June", "--output", str(out))
