"""A URLconf that mounts the notifications router the way api/root.py does, for the tests."""

from __future__ import annotations

from django.urls import path
from ninja import NinjaAPI

from servicepact.worker.api import router

api = NinjaAPI(title="test", urls_namespace="worker-test-api")
api.add_router("/notifications", router, url_name_prefix="worker-test")

urlpatterns = [path("api/v1/", api.urls)]
