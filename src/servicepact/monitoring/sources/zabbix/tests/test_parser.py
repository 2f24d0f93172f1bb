"""The Zabbix parser against sample media type payloads in ../samples, and the script."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from servicepact.monitoring.sources.base import PayloadError
from servicepact.monitoring.sources.zabbix.parser import FIELDS, parse

HERE = Path(__file__).resolve().parent.parent


def load(name: str) -> dict:
    return json.loads((HERE / "samples" / name).read_text())


def test_problem_fires_with_host_names_address_and_tags():
    """{EVENT.VALUE}=1 fires; the unexpanded recovery macro counts as absent."""
    (alert,) = parse(load("problem.json"))
    assert alert.fingerprint == "zabbix-event-4818275"
    assert (alert.status, alert.severity) == ("firing", "Average")
    assert alert.name == "Zabbix agent is not available (for 3m)"
    assert alert.starts_at == datetime(2025, 6, 10, 18, 0, tzinfo=UTC)
    assert alert.ends_at is None
    assert alert.hosts == ("acme-srv01", "ACME web server 01", "10.20.0.11")
    assert alert.labels["class"] == "os" and alert.labels["trigger_id"] == "23871"
    assert alert.url == (
        "https://zabbix.acme.example/zabbix/tr_events.php?triggerid=23871&eventid=4818275"
    )


def test_recovery_resolves_the_same_event():
    """A recovery keeps {EVENT.ID} of the problem: same fingerprint, ends at the recovery."""
    (alert,) = parse(load("recovery.json"))
    assert alert.fingerprint == "zabbix-event-4818275"
    assert alert.status == "resolved"
    assert alert.ends_at == datetime(2025, 6, 10, 18, 45, tzinfo=UTC)


def test_update_is_a_repeat_of_the_problem_and_tags_can_exclude_outages():
    """An acknowledgement update re-sends a firing problem; *UNKNOWN* counts as absent."""
    (alert,) = parse(load("update_ack.json"))
    assert (alert.status, alert.severity, alert.counts_as_outage) == ("firing", "Warning", False)
    assert alert.hosts == ("10.20.0.11",)
    assert alert.description.startswith("Current utilization: 97.31 %")


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("event_id", "{EVENT.ID}", "body.event_id: required"),
        ("event_id", "abc", "body.event_id: expected a Zabbix event ID"),
        ("event_value", "2", "body.event_value: expected 1 \\(problem\\) or 0"),
        ("event_timestamp", "2025-06-10", "body.event_timestamp: expected a UNIX timestamp"),
        ("event_tags", {"tag": "x"}, "body.event_tags: expected a list"),
        ("host_host", "", None),
    ],
)
def test_invalid_payloads_name_the_field(field, value, message):
    data = load("problem.json")
    data[field] = value
    if message is None:  # the visible name stands in for an empty technical name
        assert parse(data)[0].hosts[0] == "ACME web server 01"
        return
    with pytest.raises(PayloadError, match=message):
        parse(data)


def test_recovery_needs_its_timestamp():
    data = load("recovery.json")
    data["event_recovery_timestamp"] = "{EVENT.RECOVERY.TIMESTAMP}"
    with pytest.raises(PayloadError, match=r"body\.event_recovery_timestamp: required"):
        parse(data)


def test_samples_and_documentation_use_exactly_the_parser_fields():
    """The samples carry every parameter the parser reads, and docs/monitoring.md lists them
    (the script forwards the parameters as they are named in Zabbix)."""
    for name in ("problem.json", "recovery.json", "update_ack.json"):
        assert set(load(name)) == set(FIELDS), name
    docs = (HERE.parents[4] / "docs" / "monitoring.md").read_text()
    rows = set(re.findall(r"^\| `([a-z_]+)` \| `\{[A-Z$]", docs, flags=re.M))
    assert rows - {"servicepact_token"} == set(FIELDS)
    script = (HERE / "servicepact_media_type.js").read_text()
    assert "Authorization: Bearer " in script and "params.servicepact_token" in script
