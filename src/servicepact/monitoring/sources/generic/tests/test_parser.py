"""The generic JSON parser against the sample payloads in ../samples."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from servicepact.monitoring.sources.base import PayloadError
from servicepact.monitoring.sources.generic.parser import parse

SAMPLES = Path(__file__).resolve().parent.parent / "samples"


def load(name: str) -> dict:
    return json.loads((SAMPLES / name).read_text())


def test_firing_alert_with_offset_time_category_and_no_outage():
    (alert,) = parse(load("backup_failed.json"))
    assert alert.fingerprint == "veeam-job-ACME-nightly-acme-srv01"
    assert alert.starts_at == datetime(2025, 6, 10, 0, 14, 9, tzinfo=UTC)  # 02:14:09+02:00
    assert (alert.status, alert.severity, alert.category) == ("firing", "high", "backup")
    assert alert.counts_as_outage is False
    assert alert.hosts == ("acme-srv01",)
    assert alert.labels == {"tool": "veeam", "job": "ACME nightly"}


def test_resolved_with_explicit_asset_and_a_firing_one_by_address():
    ups, ping = parse(load("ups_on_battery_resolved.json"))
    assert (ups.status, ups.asset_hint) == ("resolved", "acme-srv01")
    assert ups.ends_at == datetime(2025, 6, 10, 18, 45, tzinfo=UTC)
    assert ups.hosts == ("ups-b4.acme.internal",)
    assert (ping.status, ping.hosts, ping.counts_as_outage) == ("firing", ("10.20.0.11",), None)


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d.update(alerts=[]), "body.alerts: must not be empty"),
        (lambda d: d["alerts"][0].pop("id"), r"alerts\[0\]\.id: required"),
        (lambda d: d["alerts"][0].update(status="open"), r"alerts\[0\]\.status: expected firing"),
        (lambda d: d["alerts"][0].pop("ended_at"), r"alerts\[0\]\.ended_at: required"),
        (
            lambda d: d["alerts"][0].update(ended_at="2025-06-10T17:00:00Z"),
            r"ended_at: before started_at",
        ),
        (lambda d: d["alerts"][0].update(colour="red"), r"alerts\[0\]: unknown fields colour"),
        (
            lambda d: d["alerts"][1].update(started_at="2025-06-10 18:05"),
            r"alerts\[1\]\.started_at: timestamp .* has no UTC offset",
        ),
        (lambda d: d["alerts"][1].update(labels=["a"]), r"alerts\[1\]\.labels: expected an object"),
    ],
)
def test_invalid_payloads_name_the_field(mutate, message):
    data = copy.deepcopy(load("ups_on_battery_resolved.json"))
    mutate(data)
    with pytest.raises(PayloadError, match=message):
        parse(data)
