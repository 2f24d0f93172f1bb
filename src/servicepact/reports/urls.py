from __future__ import annotations

from django.urls import URLPattern, path

from servicepact.reports import views

app_name = "reports"
urlpatterns: list[URLPattern] = [
    path(
        "desk/contracts/<int:contract_id>/statement/",
        views.statement_desk,
        name="statement_desk",
    ),
    path("desk/contracts/<int:contract_id>/audit/", views.audit_desk, name="audit_desk"),
    path(
        "desk/contracts/<int:contract_id>/credits/<slug:action>/",
        views.credit_decision,
        name="credit_decision",
    ),
    path(
        "portal/contracts/<int:contract_id>/statement/",
        views.statement_portal,
        name="statement_portal",
    ),
    path("portal/contracts/<int:contract_id>/audit/", views.audit_portal, name="audit_portal"),
    path("dashboard/", views.dashboard, name="dashboard"),
]
