"""``/healthz`` and ``/readyz``: JSON, and 503 naming each failing check."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import textwrap

import pytest
from django.db import connection
from django.test import Client

from servicepact.core.heartbeat import record_heartbeat
from servicepact.tickets.testing import ny


def get(path: str) -> tuple[int, dict]:
    response = Client().get(path)
    assert response["Content-Type"] == "application/json"
    return response.status_code, response.json()


def test_healthz_answers_without_touching_the_database():
    """No django_db mark: a query here would fail the test."""
    assert get("/healthz") == (200, {"status": "ok"})


@pytest.mark.django_db
def test_readyz_is_ready_with_a_recent_heartbeat(clock):
    """The last pass 4 min 59 s ago, under the 5-minute default."""
    record_heartbeat(at=ny(2025, 6, 2, 10), ok=True, worker="w1")
    clock.at(ny(2025, 6, 2, 10, 4, 59))
    status, body = get("/readyz")
    assert status == 200
    assert body["status"] == "ok" and body["failing"] == []
    assert body["checks"]["database"] == {"ok": True, "detail": "reachable"}
    assert body["checks"]["migrations"] == {"ok": True, "detail": "all applied"}
    assert body["checks"]["worker"] == {"ok": True, "detail": "last pass 299 s ago"}


@pytest.mark.django_db
def test_readyz_fails_on_a_stale_heartbeat(clock, settings):
    """5 min 1 s since the last pass: 503 naming the worker; a longer threshold accepts it."""
    record_heartbeat(at=ny(2025, 6, 2, 10), ok=True, worker="w1")
    clock.at(ny(2025, 6, 2, 10, 5, 1))
    status, body = get("/readyz")
    assert status == 503
    assert body["failing"] == ["worker"]
    assert body["checks"]["worker"] == {"ok": False, "detail": "last pass 301 s ago (limit 300 s)"}
    settings.SERVICEPACT = {**settings.SERVICEPACT, "READY_WORKER_MAX_AGE": 600}
    assert get("/readyz")[0] == 200


@pytest.mark.django_db
def test_readyz_fails_without_any_heartbeat_unless_the_check_is_off(settings, caplog):
    status, body = get("/readyz")
    assert "Service Unavailable" not in caplog.text  # not an ERROR line per probe
    assert (status, body["failing"]) == (503, ["worker"])
    assert body["checks"]["worker"]["detail"] == "no worker has run a pass"
    settings.SERVICEPACT = {**settings.SERVICEPACT, "READY_WORKER_MAX_AGE": 0}
    assert get("/readyz")[0] == 200


@pytest.mark.django_db
def test_readyz_fails_when_a_migration_is_not_applied(clock):
    """The recorder forgets the newest core migration (as on a database not yet migrated
    after an upgrade): 503 naming the migrations check and the migration."""
    record_heartbeat(at=ny(2025, 6, 2, 10), ok=True, worker="w1")
    clock.at(ny(2025, 6, 2, 10, 1))
    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM django_migrations WHERE app = 'core' AND name = '0001_worker_heartbeat'"
        )
    status, body = get("/readyz")
    assert status == 503
    assert body["failing"] == ["migrations"]
    assert body["checks"]["migrations"] == {
        "ok": False,
        "detail": "1 unapplied: core.0001_worker_heartbeat",
    }


UNREACHABLE = textwrap.dedent("""
    import json, os, django
    os.environ["DJANGO_SETTINGS_MODULE"] = "servicepact.settings"
    django.setup()
    from django.test import Client
    response = Client().get("/readyz")
    print(json.dumps({"status": response.status_code, "body": response.json()}))
""")


def test_readyz_fails_when_the_database_is_unreachable(tmp_path):
    """A real server process whose DATABASE_URL points at a PostgreSQL port nobody listens
    on: 503, every check failing, the database named with the driver's reason."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # free once closed: nothing listens there
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:{port}/nowhere",
        "SERVICEPACT_VAR_DIR": str(tmp_path),
        "SERVICEPACT_MANIFEST_STATIC": "0",
        "LOG_LEVEL": "CRITICAL",
    }
    done = subprocess.run(
        [sys.executable, "-c", UNREACHABLE], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["status"] == 503
    body = result["body"]
    assert body["failing"] == ["database", "migrations", "worker"]
    assert body["checks"]["database"]["ok"] is False
    assert "OperationalError" in body["checks"]["database"]["detail"]
    assert str(port) in body["checks"]["database"]["detail"]
    assert body["checks"]["worker"]["detail"] == "database unreachable"
