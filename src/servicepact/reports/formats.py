"""A statement snapshot rendered as HTML, PDF (WeasyPrint), CSV and JSON.

The PDF is the same body template as the HTML page inside a print layout, and the charts are
inline SVG, so the PDF shows what the page shows.
"""

from __future__ import annotations

import heapq
import io
import json
import math
import zipfile
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string, select_template
from django.utils.safestring import SafeString
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from servicepact.core.csvexport import csv_bytes, write_rows
from servicepact.reports.charts import Point, bar_chart, line_chart

CONTENT_TYPES = {
    "html": "text/html; charset=utf-8",
    "pdf": "application/pdf",
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
    "csvzip": "application/zip",
}
EXTENSIONS = {"csvzip": "csv.zip"}  # the download's file name ends .<format> otherwise


def base_template(audience: str = "") -> str:
    """The desk's or portal's base page (they extend the site's base.html), else base.html,
    else a standalone page; all of them have the blocks ``title`` and ``content``."""
    names = [f"{audience}/base.html"] if audience else []
    name: str = select_template([*names, "base.html", "reports/standalone.html"]).template.name
    return name


def charts(snapshot: dict[str, Any]) -> dict[str, SafeString]:
    trend = snapshot["trend"]
    labels = [m[2:] for m in trend["months"]]  # "25-06": short enough for 12 columns
    compliance = [
        Point(label, None if v is None else Decimal(v))
        for label, v in zip(labels, trend["compliance_percent"], strict=True)
    ]
    availability = [
        Point(label, None if v is None else Decimal(v))
        for label, v in zip(labels, trend["availability_percent"], strict=True)
    ]
    commitment = trend.get("availability_commitment")
    known = [float(p.value) for p in availability if p.value is not None]
    if commitment is not None:
        known.append(float(commitment))
    # A raised baseline: 99.9 and 99.95 % would look the same on a 0-100 scale.
    floor = min(known, default=99.0)
    y_min = max(0.0, min(99.0, float(int(floor * 10) - 1) / 10))
    return {
        "compliance_trend": line_chart(
            compliance,
            title=_("SLA compliance per month (met / decided clocks)"),
            y_min=0,
            y_max=100,
        ),
        "availability": bar_chart(
            availability,
            title=_("Availability per month"),
            y_min=y_min,
            y_max=100,
            target=None if commitment is None else Decimal(commitment),
            unit="%",
            colour_below_target=True,
        ),
    }


class NoSuchBreachPage(ValueError):
    """``breaches_page`` is not a page of the month's breaches."""


TOP_BREACHES = 50  # the statement page's breaches: the latest ones; the rest are paged
BREACH_PAGE_SIZE = 200


def breach_list(
    breaches: list[dict[str, Any]], *, page: int | None = None, everything: bool = False
) -> dict[str, Any]:
    """The breaches a page shows: all of them up to TOP_BREACHES (or ``everything``, as the
    PDF), else the TOP_BREACHES latest (most breached by, deadline order among equals);
    ``page`` N is the Nth BREACH_PAGE_SIZE breaches in deadline order (ValueError if none)."""
    count = len(breaches)
    pages = max(1, math.ceil(count / BREACH_PAGE_SIZE))
    shown: dict[str, Any] = {"count": count, "pages": pages, "page": page, "top": False}
    if page is not None:
        if not 1 <= page <= pages:
            raise NoSuchBreachPage(page)
        first = (page - 1) * BREACH_PAGE_SIZE
        return {**shown, "rows": breaches[first : first + BREACH_PAGE_SIZE], "first": first + 1}
    if everything or count <= TOP_BREACHES:
        return {**shown, "rows": breaches, "first": 1}
    # heapq.nlargest is stable: equal lateness keeps the deadline order.
    top = heapq.nlargest(TOP_BREACHES, breaches, key=lambda b: b["breached_by_seconds"])
    return {**shown, "rows": top, "first": 1, "top": True}


TOP_CREDIT_LINES = 50  # past this many credit lines, the page adds up the per-breach ones


def credit_list(lines: list[dict[str, Any]], *, everything: bool = False) -> dict[str, Any]:
    """The credit lines a page shows: all of them up to TOP_CREDIT_LINES (or ``everything``,
    as the PDF); past that, the per-breach lines of one rule as one row (how many breaches,
    how many of them excluded, their percentages and amounts added up, in the order of the
    rule's first line), every other line as it is. The total stays the statement's own
    (``s.credits``); every line is in the CSV, JSON and PDF. Amounts and percentages are the
    lines' own decimal strings added up exactly (``core.money.format_amount`` writes plain
    decimals, so they read back as they were)."""
    count = len(lines)
    if everything or count <= TOP_CREDIT_LINES:
        return {"rows": lines, "count": count, "grouped": False}
    rows: list[dict[str, Any]] = []
    groups: dict[str, dict[str, Any]] = {}
    for line in lines:
        if line.get("rule") != "breach":
            rows.append(line)
            continue
        group = groups.get(line["description"])
        if group is None:
            group = {
                "rule": "breach",
                "description": line["description"],
                "ticket": "",
                "percent": Decimal("0"),
                "amount": Decimal("0"),
                "breaches": 0,
                "excluded_breaches": 0,
                "excluded": False,
                "exclusion_reason": "",
            }
            groups[line["description"]] = group
            rows.append(group)
        group["breaches"] += 1
        group["excluded_breaches"] += 1 if line["excluded"] else 0
        group["percent"] += Decimal(line["percent"])
        group["amount"] += Decimal(line["amount"])
    for group in groups.values():
        group["percent"], group["amount"] = str(group["percent"]), str(group["amount"])
    return {"rows": rows, "count": count, "grouped": True}


def page_view(
    snapshot: dict[str, Any], *, breaches_page: int | None = None, everything: bool = False
) -> dict[str, Any]:
    """What the statement page renders of a snapshot, as plain data: ``s`` (the snapshot
    with only the breaches and credit rows the page shows), ``breach_list`` and
    ``credit_list``. Its size does not grow with the month's breaches, so a live month's
    page can be reused within the minute without reading back every breach (issue 12).
    NoSuchBreachPage for a breaches page the month does not have."""
    breaches = breach_list(snapshot["breaches"], page=breaches_page, everything=everything)
    credits = credit_list(snapshot["credits"]["lines"], everything=everything)
    shown = snapshot
    if not everything:
        shown = {
            **snapshot,
            "breaches": breaches["rows"],
            "credits": {**snapshot["credits"], "lines": credits["rows"]},
        }
    return {"s": shown, "breach_list": breaches, "credit_list": credits}


def context(
    snapshot: dict[str, Any],
    audience: str = "",
    *,
    breaches_page: int | None = None,
    all_breaches: bool = False,
    view: dict[str, Any] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """The template context of a snapshot; ``view``: its ``page_view``, already made."""
    if view is None:
        view = page_view(snapshot, breaches_page=breaches_page, everything=all_breaches)
    shown = view["s"]
    return {
        **view,
        "tz": shown["contract"]["timezone"],
        "charts": charts(shown),
        "base_template": base_template(audience),
        **extra,
    }


def render_html(snapshot: dict[str, Any], request: Any = None, **extra: Any) -> str:
    return render_to_string("reports/statement.html", context(snapshot, **extra), request=request)


def render_pdf(snapshot: dict[str, Any]) -> bytes:
    from weasyprint import HTML  # heavy import (Pango): only when a PDF is asked for

    # Tagged for screen readers (PDF/UA-1: structure tree, /MarkInfo, the document's language
    # from <html lang> and its title from <title>, shown as the window title).
    html = render_to_string(
        "reports/statement_print.html",
        # The PDF is the document of record: every breach, as the CSV and JSON.
        context(
            snapshot, all_breaches=True, LANGUAGE_CODE=get_language() or settings.LANGUAGE_CODE
        ),
    )
    return bytes(HTML(string=html).write_pdf(pdf_variant="pdf/ua-1"))


def pdf_from_html(html: str) -> bytes:
    """A tagged PDF (PDF/UA-1) of a whole HTML document, as the statement's: any printable
    page of record (post-incident reports) uses this one step."""
    from weasyprint import HTML  # heavy import (Pango): only when a PDF is asked for

    return bytes(HTML(string=html).write_pdf(pdf_variant="pdf/ua-1"))


def render_json(snapshot: dict[str, Any]) -> str:
    return json.dumps(snapshot, indent=2, sort_keys=False, ensure_ascii=False) + "\n"


Table = tuple[str, list[str], list[list[Any]]]  # name, header, rows


def render_csv(snapshot: dict[str, Any]) -> str:
    """Sections one after the other, each a '# name' line, a header row and rows (one file
    that scripts split on '# '); cells by core.csvexport's rules, no BOM."""
    out = io.StringIO()
    for name, header, rows in tables(snapshot):
        write_rows(out, [[f"# {name}"], header, *rows, []])
    return out.getvalue()


def render_csv_zip(snapshot: dict[str, Any]) -> bytes:
    """For spreadsheets: a zip with one CSV per table (``compliance.csv``, ...), each UTF-8
    with a BOM so Excel and LibreOffice show non-Latin names."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, header, rows in tables(snapshot):
            archive.writestr(f"{name}.csv", csv_bytes(header, rows, bom=True))
    return buffer.getvalue()


def tables(snapshot: dict[str, Any]) -> list[Table]:
    """The statement's tables, in the order of the page."""
    found: list[Table] = []
    c = snapshot["contract"]

    def section(name: str, header: list[str], rows: list[list[Any]]) -> None:
        found.append((name, header, rows))

    section(
        "statement",
        ["contract", "customer", "plan", "period", "timezone", "cutoff", "generated_at"],
        [[c["number"], c["customer"], c["plan"], snapshot["period"], c["timezone"],
          snapshot["cutoff"], snapshot["generated_at"]]],
    )  # fmt: skip
    section(
        "tickets",
        ["priority", "name", "opened", "resolved"],
        [[r["priority"], r["name"], r["opened"], r["resolved"]]
         for r in snapshot["tickets"]["by_priority"]],
    )  # fmt: skip
    section(
        "compliance",
        ["metric", "priority", "met", "breached", "total", "percent", "mean_seconds",
         "p90_seconds", "target_seconds"],
        [[r["metric"], r["priority"], r["met"], r["breached"], r["total"], r["percent"] or "",
          _blank(r["mean_seconds"]), _blank(r["p90_seconds"]), _blank(r["target_seconds"])]
         for r in snapshot["compliance"]["rows"]],
    )  # fmt: skip
    a = snapshot["availability"]
    section(
        "availability",
        ["percent", "commitment", "met", "measured_seconds", "unplanned_seconds",
         "planned_seconds", "force_majeure_seconds"],
        [[a.get("percent") or "", a.get("commitment") or "", _blank(a.get("met")),
          _blank(a.get("measured_seconds")), _blank(a.get("unplanned_seconds")),
          _blank(a.get("planned_seconds")), _blank(a.get("force_majeure_seconds"))]],
    )  # fmt: skip
    section(
        "kpis",
        ["kind", "severity", "unit", "commitment", "measurements", "met", "missed", "lowest",
         "highest", "measured"],
        [[k["kind"], k["severity"], k["unit"], k["commitment"] or "", k["measurements"],
          k["met"], k["missed"], k["lowest"] or "", k["highest"] or "",
          "yes" if k.get("measured", True) else "not measured yet"]
         for k in snapshot["kpis"]],
    )  # fmt: skip
    section(
        "breaches",
        ["ticket", "priority", "metric", "deadline", "breached_by_seconds", "cause", "excluded"],
        [[b["ticket"], b["priority"], b["metric"], b["deadline"], b["breached_by_seconds"],
          b["cause"], b["excluded_because"]] for b in snapshot["breaches"]],
    )  # fmt: skip
    cr = snapshot["credits"]
    section(
        "credits",
        ["rule", "description", "ticket", "percent", "amount", "currency", "excluded"],
        [[x["rule"], x["description"], x["ticket"], x["percent"], x["amount"], cr["currency"],
          x["exclusion_reason"]] for x in cr["lines"]]
        + [["total", cr["status"], "", cr["percent"], cr["amount_due"], cr["currency"], ""]],
    )  # fmt: skip
    h = snapshot["hours"]
    section(
        "hours",
        ["used", "included", "over", "non_billable"],
        [[h["used"], h["included"], h["over"], h["non_billable"]]],
    )
    t = snapshot["trend"]
    section(
        "trend",
        ["month", "compliance_percent", "availability_percent"],
        [[m, cp or "", ap or ""] for m, cp, ap in
         zip(t["months"], t["compliance_percent"], t["availability_percent"], strict=True)],
    )  # fmt: skip
    return found


def _blank(value: Any) -> Any:
    return "" if value is None else value


def render(snapshot: dict[str, Any], fmt: str) -> bytes:
    """The statement in a download format: pdf, csv, json or a standalone html page."""
    if fmt == "pdf":
        return render_pdf(snapshot)
    if fmt == "csv":
        return render_csv(snapshot).encode()
    if fmt == "csvzip":
        return render_csv_zip(snapshot)
    if fmt == "json":
        return render_json(snapshot).encode()
    if fmt == "html":
        html = render_to_string("reports/statement_print.html", context(snapshot))
        return html.encode()
    raise ValueError(f"unknown format {fmt!r}")
