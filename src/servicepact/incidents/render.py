"""A post-incident report as the customer reads it: a document (the API, the exit archive),
the page body shared by desk and portal, and the PDF (``reports.formats.pdf_from_html``,
tagged like the statement's)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.utils.translation import get_language

from servicepact.backups.choices import CopyLocation
from servicepact.incidents.choices import level_label
from servicepact.incidents.models import IncidentReport
from servicepact.reports.formats import pdf_from_html


def report_document(report: IncidentReport) -> dict[str, Any]:
    incident = report.incident
    ticket = incident.ticket
    return {
        "incident": incident.pk,
        "ticket": {"id": ticket.pk, "number": ticket.number, "subject": ticket.customer_subject},
        "contract": {"id": incident.contract_id, "number": incident.contract.number},
        "level": incident.level,
        "level_label": level_label(incident.level),
        "declared_at": incident.declared_at,
        "status": report.status,
        "timeline": report.timeline,
        "root_cause": report.root_cause,
        "data_lost": report.data_lost,
        "data_loss": report.data_loss,
        "restored_from": report.restored_from,
        "restored_run": restored_run(report),
        "achieved_rto_seconds": report.achieved_rto_seconds,
        "achieved_rpo_seconds": report.achieved_rpo_seconds,
        "corrective_actions": [
            {
                "description": a.description,
                "ticket": a.ticket.number if a.ticket else None,
                "change": a.change_id,
            }
            for a in report.actions.select_related("ticket").all()
        ],
        "apology": report.apology,
        "compensation": None
        if report.compensation_amount is None
        else {
            "amount": report.compensation_amount,
            "currency": report.compensation_currency,
            "text": report.compensation_text,
            "credit_period": report.credit.period if report.credit else None,
        },
        "published_at": report.published_at,
    }


def context(report: IncidentReport) -> dict[str, Any]:
    return {
        "report": report,
        "doc": report_document(report),
        "tz": report.incident.ticket.timezone,
    }


def render_pdf(report: IncidentReport) -> bytes:
    html = render_to_string(
        "incidents/report_print.html",
        {**context(report), "LANGUAGE_CODE": get_language() or settings.LANGUAGE_CODE},
    )
    return pdf_from_html(html)


def pdf_filename(report: IncidentReport) -> str:
    return f"incident-report-{report.incident.ticket.number or report.incident.ticket_id}.pdf"


def restored_run(report: IncidentReport) -> dict[str, Any] | None:
    """The backup run the report cites (``restored_run``), as the report shows it."""
    run = report.restored_run
    if run is None:
        return None
    return {
        "id": run.pk,
        "asset": run.asset.hostname if run.asset is not None else run.host,
        "location": run.location,
        "location_label": str(CopyLocation(run.location).label),
        "started_at": run.started_at,
        "snapshot": run.snapshot,
    }
