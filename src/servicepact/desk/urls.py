from __future__ import annotations

from django.urls import URLPattern, path

from servicepact.desk import (
    change_pages,
    contract_actions,
    mail_pages,
    money,
    new_ticket,
    security_pages,
    views,
    worklogs,
)

app_name = "desk"
urlpatterns: list[URLPattern] = [
    path("", views.queue, name="queue"),
    path("queue/rows/", views.queue_rows, name="queue-rows"),
    path("search/", views.search, name="search"),
    path("tickets/new/", new_ticket.ticket_new, name="ticket-new"),
    path("tickets/new/choices/", new_ticket.ticket_new_choices, name="ticket-new-choices"),
    path("tickets/new/preview/", new_ticket.ticket_new_preview, name="ticket-new-preview"),
    path("tickets/<int:pk>/", views.ticket_detail, name="ticket"),
    path("tickets/<int:pk>/actions/<slug:name>/", views.ticket_action, name="ticket-action"),
    path("tickets/<int:pk>/worklogs/", worklogs.ticket_worklog, name="ticket-worklog"),
    path(
        "tickets/<int:pk>/worklogs/<int:log_id>/delete/",
        worklogs.ticket_worklog_delete,
        name="ticket-worklog-delete",
    ),
    path("customers/", views.customer_list, name="customers"),
    path("customers/<int:pk>/", views.customer_detail, name="customer"),
    path("contracts/", views.contract_list, name="contracts"),
    path("contracts/<int:pk>/", views.contract_detail, name="contract"),
    path("contracts/<int:pk>/hours/", money.contract_hours, name="contract-hours"),
    path("contracts/<int:pk>/hours/adjust/", money.contract_hours_adjust, name="hours-adjust"),
    path("contracts/<int:pk>/hours/convert/", money.contract_conversion, name="hours-convert"),
    path("conversions/<int:pk>/<str:action>/", money.conversion_decide, name="conversion-decide"),
    path("contracts/<int:pk>/fee-changes/", money.fee_change_propose, name="fee-change-propose"),
    path("fee-changes/<int:pk>/<str:action>/", money.fee_change_decide, name="fee-change-decide"),
    path("contracts/<int:pk>/renewals/", money.renewal_prepare, name="renewal-prepare"),
    path("renewals/<int:pk>/<str:action>/", money.renewal_decide, name="renewal-decide"),
    path("charges/", money.charge_list, name="charges"),
    path("charges/<int:pk>/", money.charge_detail, name="charge"),
    path(
        "contracts/<int:pk>/force-majeure/",
        contract_actions.contract_force_majeure,
        name="contract-force-majeure",
    ),
    path("contracts/<int:pk>/outages/", contract_actions.contract_outage, name="contract-outage"),
    path("contracts/<int:pk>/renew/", contract_actions.contract_renew, name="contract-renew"),
    path("assets/<int:pk>/", views.asset_detail, name="asset"),
    path("assets/<int:pk>/outages/", contract_actions.asset_outage, name="asset-outage"),
    path("security/", security_pages.vulnerability_list, name="security"),
    path(
        "security/vulnerabilities/<int:pk>/",
        security_pages.vulnerability_detail,
        name="security-vulnerability",
    ),
    path(
        "security/findings/<int:pk>/", security_pages.finding_detail, name="security-finding"
    ),
    path(
        "security/items/<str:kind>/<int:pk>/<slug:name>/",
        security_pages.item_action,
        name="security-action",
    ),
    path("security/audits/", security_pages.audit_list, name="security-audits"),
    path("security/audits/<int:pk>/", security_pages.audit_detail, name="security-audit"),
    path("security/audits/<int:pk>/done/", security_pages.audit_done, name="security-audit-done"),
    path(
        "security/audits/<int:pk>/report/", security_pages.audit_report, name="security-report"
    ),
    path(
        "security/audits/<int:pk>/report/download/",
        security_pages.audit_report_download,
        name="security-report-download",
    ),
    path("changes/", views.change_list, name="changes"),
    path("changes/new/", change_pages.change_new, name="change-new"),
    path("changes/<int:pk>/", change_pages.change_detail, name="change"),
    path("changes/<int:pk>/<slug:name>/", change_pages.change_action, name="change-action"),
    path("alerts/", views.alert_list, name="alerts"),
    path("mail/", mail_pages.mail_list, name="mail"),
    path("mail/<int:pk>/open/", mail_pages.mail_open, name="mail-open"),
    path("mail/<int:pk>/dismiss/", mail_pages.mail_dismiss, name="mail-dismiss"),
    path("mail/<int:pk>/raw/", mail_pages.mail_raw, name="mail-raw"),
    path("alerts/<int:pk>/assign/", views.alert_assign, name="alert-assign"),
    path("notifications/", views.notification_list, name="notifications"),
    path("notifications/read/", views.notification_read, name="notifications-read"),
]
