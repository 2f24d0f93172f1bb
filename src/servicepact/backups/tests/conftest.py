from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from servicepact.backups.services import create_backup_policy, create_backup_source
from servicepact.core.testing import Clock, utc  # noqa: F401  (re-exported to the tests)
from servicepact.tickets.testing import World, login, world

SOURCES = Path(__file__).resolve().parent.parent / "sources"
URL = "/api/v1/backups/runs/"


def sample(kind: str, name: str) -> bytes:
    return (SOURCES / kind / "samples" / name).read_bytes()


def post_runs(client: Client, kind: str, body: Any, token: str | None, query: str = "") -> Any:
    headers: dict[str, Any] = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    data = body if isinstance(body, str | bytes) else json.dumps(body)
    content_type = "application/json" if kind == "generic" else "text/plain"
    return client.post(f"{URL}{kind}{query}", data=data, content_type=content_type, **headers)


def run(
    key: str,
    host: str = "acme-srv01",
    status: str = "succeeded",
    started: datetime | None = None,
    finished: datetime | None = None,
    location: str = "local",
    **extra: Any,
) -> dict[str, Any]:
    started = started or utc(2025, 6, 2, 1)
    item: dict[str, Any] = {
        "id": key,
        "status": status,
        "host": host,
        "location": location,
        "started_at": started.isoformat(),
        **extra,
    }
    if status != "started":
        item["finished_at"] = (finished or started).isoformat()
    return item


@pytest.fixture
def acme(db: Any) -> World:
    """Acme (New York business hours, contract ACME-1 from 2025-01-01, asset acme-srv01)."""
    return world(code="acme")


@pytest.fixture
def globex(db: Any) -> World:
    return world(code="globex", tz="Asia/Shanghai")


@pytest.fixture
def generic_token(acme: World) -> str:
    _, token = create_backup_source(name="generic", kind="generic")
    return token


def policy(
    w: World,
    *,
    offsite: bool = False,
    window: int = 1440,
    rpo: int | None = None,
    since: datetime | None = None,
    name: str = "nightly",
) -> Any:
    return create_backup_policy(
        contract=w.contract,
        asset=w.asset,
        name=name,
        window_minutes=window,
        retention_days=30,
        volumes="/srv",
        copy_offsite=offsite,
        rpo_minutes=rpo,
        effective_from=since or utc(2025, 6, 1),
    )


__all__ = ["Client", "date", "login", "policy", "post_runs", "run", "sample"]
