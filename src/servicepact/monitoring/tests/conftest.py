from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from django.test import Client

from servicepact.core.testing import Clock, ny, utc  # noqa: F401  (re-exported to the tests)

UTC = ZoneInfo("UTC")
SOURCES = Path(__file__).resolve().parent.parent / "sources"


def sample(kind: str, name: str) -> dict[str, Any]:
    return json.loads((SOURCES / kind / "samples" / name).read_text())


def drain() -> int:
    """Runs the worker's inbox step until the inbox is empty; returns the alerts stored."""
    from servicepact.monitoring.services import drain_inbox

    stored = 0
    while True:
        done = drain_inbox()
        if not done:
            return stored
        stored += done


def post_json(client: Client, url: str, body: Any, token: str | None = None) -> Any:
    headers: dict[str, Any] = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    data = body if isinstance(body, str | bytes) else json.dumps(body)
    return client.post(url, data=data, content_type="application/json", **headers)


def am_alert(
    fingerprint: str,
    status: str,
    starts: datetime,
    ends: datetime | None = None,
    **labels: str,
) -> dict[str, Any]:
    """One Alertmanager v4 alert (labels default: InstanceDown, critical)."""
    labels = {"alertname": "InstanceDown", "severity": "critical", "job": "node", **labels}
    return {
        "status": status,
        "labels": labels,
        "annotations": {"summary": f"{labels.get('instance', '?')} down"},
        "startsAt": starts.astimezone(UTC).isoformat().replace("+00:00", "Z"),
        "endsAt": ends.astimezone(UTC).isoformat().replace("+00:00", "Z")
        if ends
        else "0001-01-01T00:00:00Z",
        "generatorURL": "http://prometheus.example:9090/graph?g0.expr=up+%3D%3D+0",
        "fingerprint": fingerprint,
    }


def am_payload(*alerts: dict[str, Any]) -> dict[str, Any]:
    """An Alertmanager v4 webhook body around ``alerts``."""
    status = "firing" if any(a["status"] == "firing" for a in alerts) else "resolved"
    return {
        "receiver": "servicepact",
        "status": status,
        "alerts": list(alerts),
        "groupLabels": {"alertname": "InstanceDown"},
        "commonLabels": {"alertname": "InstanceDown"},
        "commonAnnotations": {},
        "externalURL": "http://alertmanager.example:9093",
        "version": "4",
        "groupKey": '{}:{alertname="InstanceDown"}',
        "truncatedAlerts": 0,
    }


def with_availability(contract: Any, target: str = "99.9", calendar: str = "24x7") -> Any:
    """Amends the contract from 2025-05-01 (NY) with an availability commitment."""
    from servicepact.contracts.services import amend_contract

    return amend_contract(
        contract=contract,
        effective_from=ny(2025, 5, 1),
        reason="availability commitment",
        kpis=[{"kind": "availability", "target": target, "measurement_calendar": calendar}],
    )
