"""``/healthz`` (the process answers) and ``/readyz`` (it can do its work), both JSON.

``/readyz`` runs three checks and answers 503 naming each one that fails:

- ``database``: a connection and ``SELECT 1``;
- ``migrations``: the migration plan to the latest migrations is empty (``MigrationExecutor``);
- ``worker``: the newest worker heartbeat is younger than ``READY_WORKER_MAX_AGE`` seconds
  (setting ``SERVICEPACT["READY_WORKER_MAX_AGE"]``, env ``SERVICEPACT_READY_WORKER_MAX_AGE``,
  default 300; 0 switches the check off).

When the database is unreachable, the two checks that need it are reported as failing with
the reason "database unreachable" rather than attempted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache

from servicepact.core.config import option
from servicepact.core.heartbeat import last_beats
from servicepact.core.time import now

DEFAULT_WORKER_MAX_AGE = 300


@dataclass(frozen=True)
class Check:
    ok: bool
    detail: str


def check_database() -> Check:
    try:
        with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any driver error means "not reachable" to a probe
        return Check(False, f"{type(exc).__name__}: {exc}".strip()[:300])
    return Check(True, "reachable")


def check_migrations() -> Check:
    connection = connections[DEFAULT_DB_ALIAS]
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if plan:
        names = [f"{m.app_label}.{m.name}" for m, _backwards in plan]
        shown = ", ".join(names[:5]) + (" …" if len(names) > 5 else "")
        return Check(False, f"{len(names)} unapplied: {shown}")
    return Check(True, "all applied")


def check_worker() -> Check:
    max_age = int(option("READY_WORKER_MAX_AGE", DEFAULT_WORKER_MAX_AGE))
    if max_age <= 0:
        return Check(True, "not checked (READY_WORKER_MAX_AGE=0)")
    beat, _ok = last_beats()
    if beat is None:
        return Check(False, "no worker has run a pass")
    age = now() - beat
    if age > timedelta(seconds=max_age):
        return Check(False, f"last pass {int(age.total_seconds())} s ago (limit {max_age} s)")
    return Check(True, f"last pass {int(age.total_seconds())} s ago")


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """The process is alive and answering; says nothing about the database."""
    return JsonResponse({"status": "ok"})


@never_cache
def readyz(request: HttpRequest) -> JsonResponse:
    checks: dict[str, Check] = {"database": check_database()}
    if checks["database"].ok:
        checks["migrations"] = check_migrations()
        checks["worker"] = check_worker()
    else:
        checks["migrations"] = checks["worker"] = Check(False, "database unreachable")
    failing = [name for name, check in checks.items() if not check.ok]
    body = {
        "status": "fail" if failing else "ok",
        "failing": failing,
        "checks": {name: {"ok": c.ok, "detail": c.detail} for name, c in checks.items()},
    }
    response = JsonResponse(body, status=503 if failing else 200)
    # A load balancer probes every few seconds: a 503 here is an answer, not a server error,
    # so Django's "Service Unavailable" ERROR line per probe is not written (the body and
    # /metrics say what fails).
    response._has_been_logged = True  # type: ignore[attr-defined]
    return response
