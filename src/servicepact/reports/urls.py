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
# Audit exports as worker jobs (reports.exports), for staff on the desk and contacts on the
# portal; the views take the audience as a keyword.
for audience in ("desk", "portal"):
    urlpatterns += [
        path(
            f"{audience}/contracts/<int:contract_id>/audit-exports/",
            views.audit_export_create,
            {"audience": audience},
            name=f"audit_export_create_{audience}",
        ),
        path(
            f"{audience}/audit-exports/<int:export_id>/",
            views.audit_export_page,
            {"audience": audience},
            name=f"audit_export_{audience}",
        ),
        path(
            f"{audience}/audit-exports/<int:export_id>/download/",
            views.audit_export_download,
            {"audience": audience},
            name=f"audit_export_download_{audience}",
        ),
    ]
