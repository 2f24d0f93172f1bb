"""The REST API root (django-ninja). Routers live in api/<resource>.py and are added here.

Conventions (docs/api.md): bearer token or session auth on every endpoint; lists answer
``{"items": [...], "count": N}`` with ``?limit=&offset=`` or ``?after=`` (``next``); errors are ``{"detail": ...}``
(401, 403, 404 outside the caller's tenancy, 409 invalid transition, 422 with field errors).
"""

from __future__ import annotations

from typing import Any

from ninja import NinjaAPI

from servicepact.accounts.auth import api_auth
from servicepact.api import (  # issue 16: versions, releases, blackouts
    aftercare,
    assets,
    attachments,
    audit_exports,
    backups,
    calendars,
    charges,
    configuration,
    contacts,
    contract_end,
    contract_records,
    contracts,
    credits,
    customers,
    errors,
    escalations,
    fee_changes,
    idempotency,
    incidents,
    inspections,
    me,
    metrics,
    notifications,
    outages,
    part_uses,
    plans,
    problems,
    releases,
    renewals,
    sites,
    statements,
    stock,
    ticket_actions,
    tickets,
    tiers,
    warranties,
    worklogs,
    workorders,
)
from servicepact.changes.api import router as changes_router
from servicepact.kb.api import router as kb_router
from servicepact.mail.api import router as mail_router
from servicepact.monitoring.api import availability_router
from servicepact.monitoring.api import router as monitoring_router
from servicepact.notifications.api import router as webhooks_router
from servicepact.security.api import audits as audits_router
from servicepact.security.api import vulnerabilities as vulnerabilities_router


class ServicePactAPI(NinjaAPI):
    """The API; its OpenAPI schema is built once per process and prefix.

    django-ninja rebuilds the schema on every ``/api/v1/openapi.json`` (and so on every load
    of the interactive docs): with ~300 operations that is seconds of CPU per request
    (4 s measured on a loaded machine). The routes do not change while a process runs, so
    the first build is kept and handed out as it is: callers read it (the ``openapi.json``
    view serialises it, the tests walk it) and must not change it — a deep copy per request
    would cost half a second again."""

    _schemas: dict[str, Any]

    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None
    ) -> Any:
        if path_prefix is None:
            path_prefix = self.get_root_path(path_params or {})
        cache = self.__dict__.setdefault("_schemas", {})
        if path_prefix not in cache:
            cache[path_prefix] = super().get_openapi_schema(path_prefix=path_prefix)
        return cache[path_prefix]


api = ServicePactAPI(
    title="ServicePact API",
    version="1",
    urls_namespace="api",
    auth=api_auth(),
    description="Contracts, coverage, tickets and exact SLA clocks. See docs/api.md.",
)
errors.install(api)

for module in (
    me,
    customers,
    sites,
    contacts,
    calendars,
    plans,
    contracts,
    assets,
    tickets,
    ticket_actions,
    attachments,
    # Parity with the desk (issue 11): records, money and work.
    contract_records,
    outages,
    statements,
    audit_exports,
    credits,
    worklogs,
    part_uses,
    charges,
    fee_changes,
    renewals,
    escalations,
    metrics,
    stock,  # spare parts: /parts (catalogue), /stock/... (issue 18)
    backups,  # /backups/runs/{kind} carries its own auth (backup source token)
    # Emergency response and the end of a contract (issues 17, 19).
    incidents,
    contract_end,
    problems,  # ITIL problems (changes.problems)
    inspections,  # preventive inspections (issue 18)
    # Field service (issue 18): warranties and vendor back-to-back contracts.
    warranties,
    workorders,  # issue 18: field service dispatch
    # After the repair (issue 18): surveys, follow-ups, guarantee claims.
    aftercare,
    tiers,  # tier replay, vendor offers, TCO (issue 20)
):
    api.add_router("", module.router)

# Monitoring, availability and changes routers carry their own auth (source tokens too).
api.add_router("", monitoring_router)  # /alerts/{kind}, /measurements
api.add_router("", mail_router)  # /mail/inbound (mailbox token)
api.add_router("/contracts", availability_router)  # /contracts/{id}/availability
api.add_router("/changes", changes_router)
api.add_router("", releases.router)  # /releases, /contracts/{id}/blackouts
api.add_router("", configuration.router)  # /assets/{id}/configuration
api.add_router("/vulnerabilities", vulnerabilities_router)
api.add_router("/audits", audits_router)
api.add_router("/notifications", notifications.router)
api.add_router("/webhooks", webhooks_router)
api.add_router("", kb_router)  # /kb/articles, /kb/search, handover, trainings

# Idempotency-Key on the creates marked ``idempotent`` (every router inherits the decorators).
idempotency.install(api)
