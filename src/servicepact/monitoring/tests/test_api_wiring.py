"""The routers mount as docs/monitoring.md says, beside a contracts router, with OpenAPI."""

from __future__ import annotations

from ninja import NinjaAPI, Router

from servicepact.changes.api import router as changes_router
from servicepact.monitoring.api import availability_router
from servicepact.monitoring.api import router as monitoring_router


def test_openapi_lists_every_path(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert {
        "/api/v1/alerts/{kind}",
        "/api/v1/measurements",
        "/api/v1/contracts/{contract_id}/availability",
        "/api/v1/changes",
        "/api/v1/changes/{change_id}",
        "/api/v1/changes/{change_id}/approve",
        "/api/v1/changes/{change_id}/reject",
        "/api/v1/changes/{change_id}/complete",
    } <= set(paths)


def test_availability_router_shares_the_contracts_prefix():
    """Mounted at /contracts next to another router with /{id} paths: no clash."""
    contracts = Router()

    @contracts.get("/{contract_id}")
    def read(request, contract_id: int) -> dict:
        return {}

    api = NinjaAPI(urls_namespace="wiring-check")
    api.add_router("", monitoring_router)
    api.add_router("/contracts", contracts)
    api.add_router("/contracts", availability_router)
    api.add_router("/changes", changes_router)
    routes = {str(p.pattern) for p in api.urls[0]}
    assert {"contracts/<contract_id>", "contracts/<contract_id>/availability"} <= routes
    assert "alerts/<kind>" in routes and "measurements" in routes
