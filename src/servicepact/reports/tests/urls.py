"""The project's URLs plus the reports app, until src/servicepact/urls.py includes it."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, include, path

from servicepact.urls import urlpatterns as project

urlpatterns: list[URLPattern | URLResolver] = [
    *[p for p in project if "reports" not in str(getattr(p, "pattern", ""))],
    path("reports/", include("servicepact.reports.urls")),
]
