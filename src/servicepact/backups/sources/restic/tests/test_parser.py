from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from servicepact.backups.sources.base import Delivery, ParsedRun, PayloadError
from servicepact.backups.sources.restic import parse

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
AT = datetime(2025, 6, 2, 3, tzinfo=UTC)


def delivery(host: str = "db01", location: str = "") -> Delivery:
    return Delivery(received_at=AT, host=host, location=location)


def test_restic_017_summary_is_a_succeeded_run_keyed_by_snapshot():
    """backup_start / backup_end (01:00:02.11 / 01:06:54.17 +02:00) to the second, in UTC;
    sizes from total_bytes_processed / total_files_processed; the read error is noted."""
    (run,) = parse((SAMPLES / "backup_0.17.jsonl").read_bytes(), delivery(location="offsite"))
    assert isinstance(run, ParsedRun)
    assert run.run_key == "5d1a7c2f9e3b48a6b0c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d0e1f2a3"
    assert run.status == "succeeded"
    assert run.started_at == datetime(2025, 6, 1, 23, 0, 2, tzinfo=UTC)
    assert run.finished_at == datetime(2025, 6, 1, 23, 6, 54, tzinfo=UTC)
    assert (run.size_bytes, run.files) == (53687091200, 42066)
    assert (run.host, run.location) == ("db01", "offsite")
    assert "1843 new, 12 changed files; 734003200 bytes added" in run.message
    assert "1 items could not be read" in run.message


def test_restic_016_summary_without_times_ends_when_received():
    """No backup_start/backup_end before restic 0.17: it ended when it arrived, and started
    total_duration (3.811 s -> 4 s) earlier."""
    (run,) = parse((SAMPLES / "backup_0.16.jsonl").read_bytes(), delivery())
    assert isinstance(run, ParsedRun)
    assert run.finished_at == AT
    assert run.started_at == AT - timedelta(seconds=4)


def test_exit_error_is_a_failed_run():
    (run,) = parse((SAMPLES / "exit_error.jsonl").read_bytes(), delivery())
    assert isinstance(run, ParsedRun)
    assert run.status == "failed"
    assert run.message.startswith("restic exit code 1: Fatal: unable to open repository")
    assert run.run_key == f"exit:db01:{int(AT.timestamp())}"


def test_host_is_required_because_restic_does_not_name_it():
    with pytest.raises(PayloadError, match=re.escape("query.host: required")):
        parse((SAMPLES / "backup_0.17.jsonl").read_bytes(), delivery(host=""))


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"", "body: empty"),
        (b"not json\n", "line 1: not a JSON object"),
        (b"[1, 2]\n", "line 1: expected an object with a message_type"),
        (b'{"message_type":"status","percent_done":0.5}\n', "no summary or exit_error"),
        (
            b'{"message_type":"summary","total_duration":1.0,"files_new":0}\n',
            "line 1.snapshot_id: required",
        ),
        (
            b'{"message_type":"summary","snapshot_id":"ab","total_duration":-3}\n',
            "line 1.total_duration: expected seconds >= 0",
        ),
    ],
)
def test_bad_output_is_refused(body, message):
    with pytest.raises(PayloadError, match=re.escape(message)):
        parse(body, delivery())
