"""A private API with the changes router mounted as in servicepact.api.root ("/changes")."""

from __future__ import annotations

from django.urls import path
from ninja import NinjaAPI

from servicepact.changes.api import router

api = NinjaAPI(title="changes tests", urls_namespace="changes-tests")
api.add_router("/changes", router)

urlpatterns = [path("api/v1/", api.urls)]
