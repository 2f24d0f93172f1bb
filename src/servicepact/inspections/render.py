"""A visit report as the customer reads it: the rows of the page, the report body shared by
desk and portal, and the PDF (``reports.formats.pdf_from_html``, tagged like the statement's)."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils.translation import get_language

from servicepact.assets.models import Asset
from servicepact.inspections.checks import describe, shown
from servicepact.inspections.models import ChecklistItem, Visit, VisitFile, VisitResult
from servicepact.reports.formats import pdf_from_html


@dataclass(frozen=True)
class ReportRow:
    """One checklist item on one asset (or the item alone) and what was found, if anything."""

    item: ChecklistItem
    asset: Asset | None
    expected: str
    result: VisitResult | None
    found: str  # the result's value as people read it ("" when not checked)


def report_rows(visit: Visit) -> list[ReportRow]:
    """Every (item, asset) the visit has to check, in checklist order, with its result."""
    items = list(visit.plan.items.all())
    assets: list[Asset | None] = [*visit.plan.assets.all()] or [None]
    found = {(r.item_id, r.asset_id): r for r in visit.results.all()}
    return [
        ReportRow(
            item=item,
            asset=asset,
            expected=describe(item.expectation),
            result=result,
            found=shown(item.kind, result.value) if result else "",
        )
        for item in items
        for asset in assets
        for result in [found.get((item.pk, asset.pk if asset else None))]
    ]


def context(visit: Visit) -> dict[str, Any]:
    files = list(visit.files.all())
    return {
        "visit": visit,
        "rows": report_rows(visit),
        "photos": [f for f in files if not f.is_signature],
        "signature": visit.signature,
        "signature_src": _data_uri(visit.signature) if visit.signature else "",
        "tz": visit.plan.customer.timezone,
    }


def _data_uri(row: VisitFile) -> str:
    """The drawn signature inline (the PDF renders without fetching any URL)."""
    with row.file.open("rb") as handle:
        data = handle.read()
    return f"data:{row.content_type};base64,{base64.b64encode(data).decode('ascii')}"


def render_pdf(visit: Visit) -> bytes:
    html = render_to_string(
        "inspections/report_print.html",
        {**context(visit), "LANGUAGE_CODE": get_language() or settings.LANGUAGE_CODE},
    )
    return pdf_from_html(html)


def pdf_filename(visit: Visit) -> str:
    return f"inspection-{visit.plan.customer.code}-{visit.occurs_on.isoformat()}.pdf"


def pdf_response(visit: Visit) -> HttpResponse:
    """The report as a PDF download (desk, portal and API alike)."""
    response = HttpResponse(render_pdf(visit), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{pdf_filename(visit)}"'
    return response
