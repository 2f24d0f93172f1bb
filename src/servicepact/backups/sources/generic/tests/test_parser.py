from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from servicepact.backups.sources.base import Delivery, ParsedRun, PayloadError, Rejection
from servicepact.backups.sources.generic import parse

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
NOW = Delivery(received_at=datetime(2025, 6, 2, 3, tzinfo=UTC))


def test_sample_nightly_gives_three_runs_with_their_copies():
    """The sample: db01 local and off-site copies succeeded, web01 failed (UTC instants)."""
    runs = parse((SAMPLES / "nightly.json").read_bytes(), NOW)
    assert [(r.run_key, r.status, r.location) for r in runs] == [
        ("db01-nightly-2025-06-02", "succeeded", "local"),
        ("db01-nightly-2025-06-02-copy", "succeeded", "offsite"),
        ("web01-nightly-2025-06-02", "failed", "local"),
    ]
    first = runs[0]
    assert isinstance(first, ParsedRun)
    assert first.started_at == datetime(2025, 6, 1, 23, tzinfo=UTC)  # 01:00 +02:00
    assert first.finished_at == datetime(2025, 6, 1, 23, 42, 10, tzinfo=UTC)
    assert first.size_bytes == 53687091200 and first.files == 1843
    assert first.host == "db01.example.com"


def _one(**item) -> bytes:
    base = {
        "id": "r1",
        "status": "succeeded",
        "host": "h",
        "started_at": "2025-06-02T01:00:00Z",
        "finished_at": "2025-06-02T01:10:00Z",
    }
    return json.dumps({"runs": [{**base, **item}]}).encode()


@pytest.mark.parametrize(
    ("item", "message"),
    [
        ({"status": "done"}, "runs[0].status: expected one of started, succeeded, failed"),
        ({"finished_at": None}, "runs[0].finished_at: required"),
        ({"finished_at": "2025-06-02T00:00:00Z"}, "runs[0].finished_at: before started_at"),
        ({"started_at": "2025-06-02T01:00:00"}, "has no UTC offset"),
        ({"host": None}, "runs[0]: host or asset required"),
        ({"location": "moon"}, "runs[0].location: expected one of local, offsite, other_zone"),
        ({"size_bytes": -1}, "runs[0].size_bytes: expected a whole number >= 0"),
        ({"extra": 1}, "runs[0]: unknown fields extra"),
        ({"id": ""}, "runs[0].id: must not be empty"),
    ],
)
def test_bad_runs_refuse_the_delivery_naming_the_field(item, message):
    with pytest.raises(PayloadError, match=re.escape(message)):
        parse(_one(**item), NOW)


def test_not_json_and_empty_list_are_refused():
    with pytest.raises(PayloadError, match="body: not valid JSON"):
        parse(b"{", NOW)
    with pytest.raises(PayloadError, match=re.escape("body.runs: must not be empty")):
        parse(b'{"runs": []}', NOW)


def test_an_unstorable_run_is_rejected_alone():
    """A NUL character in one run rejects that run; the other is kept."""
    body = json.dumps(
        {
            "runs": [
                {
                    "id": "a\u0000",
                    "status": "started",
                    "host": "h",
                    "started_at": "2025-06-02T01:00:00Z",
                },
                {"id": "b", "status": "started", "host": "h", "started_at": "2025-06-02T01:00:00Z"},
            ]
        }
    ).encode()
    out = parse(body, NOW)
    assert isinstance(out[0], Rejection) and out[0].field == "runs[0].id"
    assert isinstance(out[1], ParsedRun) and out[1].run_key == "b"


def test_the_query_host_and_location_fill_in():
    body = json.dumps(
        {"runs": [{"id": "x", "status": "started", "started_at": "2025-06-02T01:00:00Z"}]}
    ).encode()
    (parsed,) = parse(body, Delivery(received_at=NOW.received_at, host="db9", location="offsite"))
    assert isinstance(parsed, ParsedRun)
    assert (parsed.host, parsed.location, parsed.finished_at) == ("db9", "offsite", None)


def test_too_deep_a_document_is_a_400_not_a_crash():
    body = b'{"runs": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    with pytest.raises(PayloadError, match="body: JSON nested too deeply"):
        parse(body, NOW)
