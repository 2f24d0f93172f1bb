"""A private API with the monitoring and changes routers, mounted as the lead mounts them in
servicepact.api.root (see docs/monitoring.md, "API wiring"). Used with
``@pytest.mark.urls("servicepact.monitoring.tests.urls")``."""

from __future__ import annotations

from django.urls import path
from ninja import NinjaAPI

from servicepact.changes.api import router as changes_router
from servicepact.monitoring.api import availability_router
from servicepact.monitoring.api import router as monitoring_router

api = NinjaAPI(title="monitoring tests", urls_namespace="monitoring-tests")
api.add_router("", monitoring_router)
api.add_router("/contracts", availability_router)
api.add_router("/changes", changes_router)

urlpatterns = [path("api/v1/", api.urls)]
