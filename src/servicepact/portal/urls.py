from __future__ import annotations

from django.urls import URLPattern, path

from servicepact.portal import kb, money, views

app_name = "portal"
urlpatterns: list[URLPattern] = [
    path("", views.home, name="home"),
    path("tickets/new/", views.ticket_new, name="ticket-new"),
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
    path("changes/", views.change_list, name="changes"),
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
