"""Statement pages, downloads, the audit export and the dashboard: access and formats."""

from __future__ import annotations

import json
import zipfile
from io import BytesIO

import pytest

from servicepact.tickets.testing import world

pytestmark = pytest.mark.django_db


def portal(june, suffix="statement"):
    return f"/reports/portal/contracts/{june.contract.pk}/{suffix}/"


def desk(june, suffix="statement"):
    return f"/reports/desk/contracts/{june.contract.pk}/{suffix}/"


def test_the_customer_sees_its_statement_in_the_portal(client, june):
    """The contact of Acme gets June (the last closed month by default) with its figures."""
    client.force_login(june.world.contact.user)
    page = client.get(portal(june))
    assert page.status_code == 200
    html = page.content.decode()
    assert "SLA statement ACME-1 — 2025-06" in html
    assert 'id="fig-compliance">72.22 %' in html
    assert 'id="fig-credits">135.00 USD' in html
    assert f"/reports/portal/contracts/{june.contract.pk}/audit/?period=2025-06" in html


def test_another_customers_contract_is_a_404_everywhere(client, june):
    """Beta's contact gets 404 for Acme's statement, its downloads and its audit export; a
    contact on the desk pages and the dashboard gets 404 too."""
    beta = world(code="beta")
    client.force_login(beta.contact.user)
    for url in (portal(june), portal(june) + "?format=pdf", portal(june, "audit")):
        assert client.get(url).status_code == 404, url
    client.force_login(june.world.contact.user)
    for url in (desk(june), desk(june, "audit"), "/reports/dashboard/"):
        assert client.get(url).status_code == 404, url


def test_anonymous_users_are_sent_to_the_login_page(client, june):
    """No session: a redirect to /login/, nothing rendered."""
    response = client.get(portal(june))
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_downloads_in_every_format(client, june):
    """Staff on the desk page: PDF, CSV and JSON of any month, attachment file names."""
    client.force_login(june.world.agent)
    pdf = client.get(desk(june) + "?period=2025-06&format=pdf")
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF-")
    assert pdf["Content-Disposition"] == 'attachment; filename="statement-ACME-1-2025-06.pdf"'
    text = client.get(desk(june) + "?period=2025-06&format=csv").content.decode()
    assert "# compliance\nmetric,priority,met,breached,total,percent" in text
    assert "on_site,1,1,2,3,33.33,16800,21600,14400" in text
    data = json.loads(client.get(desk(june) + "?period=2025-06&format=json").content)
    assert data["compliance"]["overall"]["percent"] == "72.22"
    assert client.get(desk(june) + "?period=2025-13").status_code == 422
    assert client.get(desk(june) + "?format=docx").status_code == 404


def test_the_audit_export_downloads_as_a_zip(client, june):
    """The customer's contact downloads June's audit export: one calendar, one CSV. It is
    streamed as it is written (bounded memory), still one valid zip."""
    client.force_login(june.world.contact.user)
    response = client.get(portal(june, "audit") + "?period=2025-06")
    assert response["Content-Type"] == "application/zip" and response.streaming
    names = zipfile.ZipFile(BytesIO(b"".join(response.streaming_content))).namelist()
    assert set(names) == {
        "calendar-acme-hours.json", "clocks.csv", "events.json", "README.txt",
        "availability.json", "credits.json", "kpis.json", "statement.json", "hours.json",
    }  # fmt: skip


def test_the_dashboard_is_for_staff(client, june):
    """Staff see the dashboard with its figures and three inline SVG charts."""
    client.force_login(june.world.agent)
    page = client.get("/reports/dashboard/")
    assert page.status_code == 200
    html = page.content.decode()
    assert html.count("<svg") == 3
    assert "Portfolio dashboard" in html
