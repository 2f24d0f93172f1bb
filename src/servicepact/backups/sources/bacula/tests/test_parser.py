from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from servicepact.backups.sources.bacula import parse
from servicepact.backups.sources.base import Delivery, ParsedRun, PayloadError, Rejection

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
AT = datetime(2025, 6, 2, 3, tzinfo=UTC)


def delivery(tz: str = "Europe/Paris") -> Delivery:
    return Delivery(received_at=AT, timezone=tz)


def test_backup_ok_report_in_the_directors_zone():
    """Start 02-Jun-2025 01:00:03 Paris (CEST, +02:00) = 2025-06-01 23:00:03 UTC; the host is
    the client without -fd; sizes from the SD lines (commas dropped)."""
    (run,) = parse((SAMPLES / "backup_ok.txt").read_bytes(), delivery())
    assert isinstance(run, ParsedRun)
    assert run.run_key == "db01-daily.2025-06-02_01.00.00_03"
    assert run.status == "succeeded"
    assert run.host == "db01"
    assert run.started_at == datetime(2025, 6, 1, 23, 0, 3, tzinfo=UTC)
    assert run.finished_at == datetime(2025, 6, 1, 23, 5, 12, tzinfo=UTC)
    assert (run.size_bytes, run.files) == (5679012345, 1234)
    assert run.snapshot == "Vol-0042"
    assert run.message == "Bacula JobId 1234: Backup OK"


def test_backup_error_report_is_a_failed_run():
    (run,) = parse((SAMPLES / "backup_error.txt").read_bytes(), delivery("UTC"))
    assert isinstance(run, ParsedRun)
    assert (run.status, run.host, run.size_bytes) == ("failed", "web01", 0)
    assert run.started_at == datetime(2025, 6, 2, 1, 0, 4, tzinfo=UTC)


def test_a_digest_of_two_reports_is_two_runs():
    body = (SAMPLES / "backup_ok.txt").read_bytes() + (SAMPLES / "backup_error.txt").read_bytes()
    runs = parse(body, delivery())
    assert [r.status for r in runs if isinstance(r, ParsedRun)] == ["succeeded", "failed"]


def test_a_restore_report_is_rejected_alone():
    text = (SAMPLES / "backup_ok.txt").read_text().replace("Backup OK", "Restore OK")
    body = text.encode() + (SAMPLES / "backup_error.txt").read_bytes()
    first, second = parse(body, delivery())
    assert isinstance(first, Rejection) and first.field == "reports[0].Termination"
    assert isinstance(second, ParsedRun)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("hello", "body: no Bacula job report"),
        ("  JobId: 1\n  Job: x\n", "reports[0].Client: required"),
        (
            "  JobId: 1\n  Job: x\n  Client: c-fd\n  Start time: yesterday\n"
            "  End time: 02-Jun-2025 01:00:00\n  Termination: Backup OK\n",
            "reports[0].Start time: not a Bacula time",
        ),
    ],
)
def test_bad_reports_are_refused(text, message):
    with pytest.raises(PayloadError, match=re.escape(message)):
        parse(text.encode(), delivery())


def test_unknown_zone_is_refused():
    with pytest.raises(PayloadError, match="timezone: unknown time zone"):
        parse((SAMPLES / "backup_ok.txt").read_bytes(), delivery("Mars/Olympus"))
