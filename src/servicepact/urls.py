from __future__ import annotations

from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path

from servicepact.core import views as core_views
from servicepact.customers import views as customer_views

urlpatterns: list[URLPattern | URLResolver] = [
    path("", core_views.home, name="home"),
    path("", include("servicepact.ops.urls")),  # /healthz, /readyz, /metrics
    path("", include("servicepact.accounts.urls")),
    path("language/", customer_views.set_language, name="set_language"),
    path("desk/", include("servicepact.desk.urls")),
    path("portal/", include("servicepact.portal.urls")),
    path("reports/", include("servicepact.reports.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include("servicepact.api.urls")),
]
