"""The Alertmanager parser against the sample webhook payloads in ../samples."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from servicepact.monitoring.sources import parse_payload
from servicepact.monitoring.sources.alertmanager.parser import parse
from servicepact.monitoring.sources.base import PayloadError

SAMPLES = Path(__file__).resolve().parent.parent / "samples"


def load(name: str) -> dict:
    return json.loads((SAMPLES / name).read_text())


def test_firing_group_gives_one_alert_per_entry_with_hosts_and_times():
    """Two firing alerts; nanosecond fractions are dropped; the zero endsAt means 'not ended'."""
    alerts = parse(load("firing_group.json"))
    assert [a.fingerprint for a in alerts] == ["5ea1d1e8b7d4f33a", "9c2f7a01de55b7c4"]
    first, second = alerts
    assert (first.status, first.name, first.severity) == ("firing", "InstanceDown", "critical")
    assert first.starts_at == datetime(2025, 6, 10, 18, 0, tzinfo=UTC)
    assert first.ends_at is None
    assert first.hosts == ("acme-srv01:9100",)
    assert first.summary == "Instance acme-srv01:9100 down"
    assert first.url.startswith("http://prometheus.acme.example:9090/graph")
    assert first.asset_hint == "" and first.counts_as_outage is None
    assert second.starts_at == datetime(2025, 6, 10, 18, 0, 30, tzinfo=UTC)
    assert second.hosts == ("10.20.0.99:9100",)


def test_resolved_alert_carries_its_end():
    (alert,) = parse(load("resolved.json"))
    assert (alert.status, alert.ends_at) == ("resolved", datetime(2025, 6, 10, 18, 45, tzinfo=UTC))


def test_explicit_asset_and_outage_labels_are_read():
    """servicepact_asset names the asset; servicepact_outage=false keeps it out of outages."""
    disk, conntrack = parse(load("mixed_explicit_asset.json"))
    assert (disk.asset_hint, disk.counts_as_outage, disk.severity) == (
        "acme-srv01",
        False,
        "warning",
    )
    assert disk.hosts == ("db-primary.acme.internal:9100",)
    assert conntrack.status == "resolved"
    assert conntrack.ends_at == datetime(2025, 6, 10, 17, 37, 48, tzinfo=UTC)


def test_dispatch_by_kind():
    assert len(parse_payload("alertmanager", load("firing_group.json"))) == 2


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d.update(version="3"), 'version: expected "4"'),
        (lambda d: d.pop("alerts"), "body.alerts: required"),
        (lambda d: d.update(alerts={}), "body.alerts: expected a list"),
        (
            lambda d: d["alerts"][0].update(status="pending"),
            "alerts[0].status: expected firing or resolved",
        ),
        (
            lambda d: d["alerts"][1]["labels"].pop("alertname"),
            "alerts[1].labels.alertname: required",
        ),
        (
            lambda d: d["alerts"][0].update(startsAt="2025-06-10T18:00:00"),
            "alerts[0].startsAt: timestamp '2025-06-10T18:00:00' has no UTC offset",
        ),
        (
            lambda d: d["alerts"][0].update(startsAt="yesterday"),
            "alerts[0].startsAt: not an RFC 3339 timestamp",
        ),
        (
            lambda d: d["alerts"][0]["labels"].update(servicepact_outage="maybe"),
            "servicepact_outage: expected true or false",
        ),
    ],
)
def test_invalid_payloads_name_the_field(mutate, message):
    data = copy.deepcopy(load("firing_group.json"))
    mutate(data)
    with pytest.raises(PayloadError, match=message.replace("[", r"\[").replace("]", r"\]")):
        parse(data)


def test_resolved_without_end_is_refused():
    data = load("resolved.json")
    data["alerts"][0]["endsAt"] = "0001-01-01T00:00:00Z"
    with pytest.raises(PayloadError, match=r"alerts\[0\]\.endsAt: a resolved alert needs"):
        parse(data)


def test_missing_fingerprint_is_derived_from_labels():
    """Older senders omit fingerprint: the same labels always give the same one."""
    data = load("resolved.json")
    del data["alerts"][0]["fingerprint"]
    first = parse(data)[0].fingerprint
    assert first == parse(copy.deepcopy(data))[0].fingerprint
    assert len(first) == 16
