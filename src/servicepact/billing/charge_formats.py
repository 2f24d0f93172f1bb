"""A period charge as HTML, PDF (WeasyPrint, tagged like the statement's PDF) and CSV (one
line per charge line: the accounting system's import), and the hours ledger as CSV."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.utils.translation import get_language

from servicepact.core.csvexport import csv_bytes

CONTENT_TYPES = {
    "html": "text/html; charset=utf-8",
    "pdf": "application/pdf",
    "csv": "text/csv; charset=utf-8",
}
CHARGE_CSV_HEADER = [
    "contract",
    "customer",
    "period",
    "status",
    "position",
    "kind",
    "description",
    "quantity",
    "unit_price",
    "amount",
    "currency",
]


def render_html(snapshot: dict[str, Any], request: Any = None) -> str:
    return render_to_string("billing/charge.html", {"charge": snapshot}, request=request)


def render_pdf(snapshot: dict[str, Any]) -> bytes:
    from weasyprint import HTML  # heavy import (Pango): only when a PDF is asked for

    html = render_to_string(
        "billing/charge.html",
        {"charge": snapshot, "LANGUAGE_CODE": get_language() or settings.LANGUAGE_CODE},
    )
    return bytes(HTML(string=html).write_pdf(pdf_variant="pdf/ua-1"))


def render_csv(snapshot: dict[str, Any]) -> bytes:
    rows = [
        [
            snapshot["contract"]["number"],
            snapshot["customer"],
            snapshot["period"],
            snapshot["status"],
            line["position"],
            line["kind"],
            line["description"],
            line["quantity"],
            line["unit_price"],
            line["amount"],
            snapshot["currency"],
        ]
        for line in snapshot["lines"]
    ]
    return csv_bytes(CHARGE_CSV_HEADER, rows, bom=True)


def render(snapshot: dict[str, Any], fmt: str, request: Any = None) -> bytes:
    """``request``: the HTML's <style> carries its CSP nonce (the PDF needs none)."""
    if fmt == "pdf":
        return render_pdf(snapshot)
    if fmt == "csv":
        return render_csv(snapshot)
    return render_html(snapshot, request).encode()
