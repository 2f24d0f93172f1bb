"""The statement PDF's layout: page 1 is filled (tables may break across pages), the
downtime table has a heading, and a priority name that carries its code prints once."""

from __future__ import annotations

import io
import re
import subprocess
from pathlib import Path

import pytest
from pypdf import PdfReader

from servicepact.billing.testing import june_month, ny
from servicepact.contracts.terms import priority_label
from servicepact.reports.formats import render_pdf
from servicepact.reports.statement import build_statement

pytestmark = pytest.mark.django_db

A4_MM = 297
BOTTOM_MARGIN_MM = 18  # statement_print.html @page: the footer lives below this


def lowest_ink(pdf: bytes, tmp_path: Path, page: int = 1) -> float:
    """The lowest non-white pixel row of the page's body (above the footer margin), as a
    fraction of the page height; the page is rendered by poppler's pdftoppm to a PGM."""
    source = tmp_path / "statement.pdf"
    source.write_bytes(pdf)
    out = subprocess.run(
        ["pdftoppm", "-f", str(page), "-l", str(page), "-r", "40", "-gray", str(source)],
        check=True,
        capture_output=True,
    ).stdout
    match = re.match(rb"P5\s+(\d+)\s+(\d+)\s+(\d+)\s", out)
    assert match, out[:20]
    width, height = int(match.group(1)), int(match.group(2))
    pixels = out[match.end() :]
    assert len(pixels) == width * height
    body_rows = int(height * (A4_MM - BOTTOM_MARGIN_MM) / A4_MM)
    ink = [y for y in range(body_rows) if min(pixels[y * width : (y + 1) * width]) < 200]
    assert ink, "page is blank"
    return (ink[-1] + 1) / height


def with_downtime(snapshot: dict) -> dict:
    """Demo-sized tables: the June fixture decides clocks for 2 priorities and has no
    outage; give it a compliance row for every (metric, priority) as a busy month has (the
    table that, kept whole, moved to page 2) and a downtime list of 40 rows."""
    compliance = snapshot["compliance"]
    have = {(r["metric"], r["priority"]) for r in compliance["rows"]}
    template = compliance["rows"][0]
    for metric in ("first_response", "on_site", "restore", "resolution"):
        for priority in (1, 2, 3, 4):
            if (metric, priority) not in have:
                compliance["rows"].append({**template, "metric": metric, "priority": priority})
    snapshot["availability"]["downtime"] = [
        {
            "asset": "acme-web01",
            "start": f"2025-06-{day:02d}T{hour:02d}:00:00+00:00",
            "end": f"2025-06-{day:02d}T{hour:02d}:05:00+00:00",
            "seconds": 300,
            "planned": hour == 2,
            "cause": "alert NodeDown acme-web01",
        }
        for day in range(1, 21)
        for hour in (2, 14)
    ]
    return snapshot


def june_with_chinese_names(clock):
    june = june_month(clock)
    version = june.contract.versions.get(number=1)
    version.priority_names = {"1": "P1 紧急 Critical", "2": "P2 高 High"}
    version.save(update_fields=["priority_names"])
    return june


def test_page_one_is_filled_and_the_tables_break(clock, tmp_path):
    """Page 1 is used down to its bottom margin (more than 80 % of the page height has
    ink above the footer), and the downtime table comes with its heading."""
    june = june_with_chinese_names(clock)
    snapshot = build_statement(june.contract, "2025-06", now=ny(2025, 7, 1, 12))
    with_downtime(snapshot)
    pdf = render_pdf(snapshot)
    assert lowest_ink(pdf, tmp_path) > 0.8
    text = " ".join(PdfReader(io.BytesIO(pdf)).pages[0].extract_text().split())
    text += " " + " ".join(
        " ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(pdf)).pages[1:]
    )
    assert "Downtime Server From Until" in text


def test_the_old_layout_left_page_one_mostly_blank(clock, tmp_path):
    """The measurement can fail: with whole tables kept together (the old CSS) the same
    statement's page 1 ends well above 80 %."""
    from django.template.loader import render_to_string
    from weasyprint import HTML

    from servicepact.reports.formats import context

    june = june_with_chinese_names(clock)
    snapshot = build_statement(june.contract, "2025-06", now=ny(2025, 7, 1, 12))
    with_downtime(snapshot)
    html = render_to_string("reports/statement_print.html", context(snapshot))
    old = html.replace(
        "tr, figure { break-inside: avoid; }", "table, figure { page-break-inside: avoid; }"
    )
    assert old != html
    assert lowest_ink(bytes(HTML(string=old).write_pdf()), tmp_path) < 0.8


def test_a_priority_name_with_its_code_prints_once(clock):
    """ "P1 紧急 Critical" prints as itself, never "P1 P1 紧急 Critical"; a plain name
    gets its code ("P3 High" from the default names)."""
    june = june_with_chinese_names(clock)
    snapshot = build_statement(june.contract, "2025-06", now=ny(2025, 7, 1, 12))
    pdf = render_pdf(snapshot)
    text = " ".join(
        " ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(pdf)).pages
    )
    assert text.count("P1 紧急 Critical") == 1
    assert "P1 P1" not in text and "P2 P2" not in text
    assert "P2 高 High" in text


@pytest.mark.parametrize(
    ("priority", "name", "label"),
    [
        (1, "P1 紧急 Critical", "P1 紧急 Critical"),
        (1, "Critical", "P1 Critical"),
        (1, "P1", "P1"),
        (1, "", "P1"),
        (1, None, "P1"),
        (1, "P12 custom", "P1 P12 custom"),  # another code is not this one
        (2, "P1 紧急 Critical", "P2 P1 紧急 Critical"),
    ],
)
def test_priority_label(priority, name, label):
    assert priority_label(priority, name) == label
