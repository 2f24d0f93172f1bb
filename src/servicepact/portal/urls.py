from __future__ import annotations

from django.urls import URLPattern, path

from servicepact.portal import (
    backup_pages,
    change_pages,
    incidents,
    kb,
    money,
    security_pages,
    views,
)

app_name = "portal"
urlpatterns: list[URLPattern] = [
    path("", views.home, name="home"),
    path("incidents/<int:pk>/", incidents.incident_report, name="incident-report"),
    path(
        "incidents/<int:pk>/report.pdf", incidents.incident_report_pdf, name="incident-report-pdf"
    ),
    path("contract-end/<int:pk>/", incidents.contract_end, name="contract-end"),
    path("tickets/new/", views.ticket_new, name="ticket-new"),
    path(
        "workorders/<int:pk>/signature.png",
        views.work_order_signature,
        name="work-order-signature",
    ),
    path("tickets/preview/", views.ticket_preview, name="ticket-preview"),
    path("tickets/<int:pk>/", views.ticket_detail, name="ticket"),
    path("tickets/<int:pk>/comment/", views.ticket_comment, name="ticket-comment"),
    path("tickets/<int:pk>/close/", views.ticket_close, name="ticket-close"),
    path("tickets/<int:pk>/reopen/", views.ticket_reopen, name="ticket-reopen"),
    path("tickets/<int:pk>/accept/", views.ticket_accept, name="ticket-accept"),
    path("tickets/<int:pk>/decline/", views.ticket_decline, name="ticket-decline"),
    path("contracts/", views.contract_list, name="contracts"),
    path("contracts/<int:pk>/", views.contract_detail, name="contract"),
    path("contracts/<int:pk>/hours/", money.contract_hours, name="contract-hours"),
    path("charges/<int:pk>/", money.charge_detail, name="charge"),
    path("fee-changes/<int:pk>/<str:action>/", money.fee_change_answer, name="fee-change-answer"),
    path("renewals/<int:pk>/<str:action>/", money.renewal_answer, name="renewal-answer"),
    path("assets/", views.asset_list, name="assets"),
    path("assets/<int:pk>/", views.asset_detail, name="asset"),
    path("security/", security_pages.security_list, name="security"),
    path("security/<str:kind>/<int:pk>/", security_pages.security_item, name="security-item"),
    path(
        "security/<str:kind>/<int:pk>/accept-risk/",
        security_pages.accept_risk,
        name="security-accept-risk",
    ),
    path("backups/", backup_pages.backups, name="backups"),
    path("drills/", backup_pages.drill_list, name="drills"),
    path("drills/<int:pk>/", backup_pages.drill_detail, name="drill"),
    path("drills/<int:pk>/sign-off/", backup_pages.drill_sign_off, name="drill-sign-off"),
    path(
        "drills/<int:pk>/evidence/<int:file_id>/",
        backup_pages.drill_evidence,
        name="drill-evidence",
    ),
    path("changes/", views.change_list, name="changes"),
    path("changes/calendar/", change_pages.change_calendar, name="change-calendar"),
    path("changes/feed/", change_pages.change_feed, name="change-feed"),
    path("changes/feed/<str:token>.ics", change_pages.change_feed_ics, name="change-feed-ics"),
    path("releases/", change_pages.release_list, name="releases"),
    path("releases/<int:pk>/", change_pages.release_detail, name="release"),
    path("changes/<int:pk>/", views.change_detail, name="change"),
    path("changes/<int:pk>/approve/", views.change_approve, name="change-approve"),
    path("changes/<int:pk>/reject/", views.change_reject, name="change-reject"),
    # Knowledge base, handover and training (issue 19; portal/kb.py).
    path("kb/", kb.kb_home, name="kb"),
    path("kb/suggest/", kb.kb_suggest, name="kb-suggest"),
    path("kb/<int:pk>/", kb.kb_article, name="kb-article"),
    path("contracts/<int:pk>/handover/", kb.handover, name="handover"),
    path("handover-documents/<int:pk>/", kb.handover_document, name="handover-document"),
    path("trainings/", kb.training_list, name="trainings"),
    path("trainings/<int:pk>/acknowledge/", kb.training_acknowledge, name="training-ack"),
]
