"""Statement CSV downloads: the spreadsheet pack (one table per file, UTF-8 with BOM) and the
one-file CSV both neutralise formulas in text cells; Chinese names survive."""

from __future__ import annotations

import csv
import io
import zipfile

import pytest

from servicepact.billing.testing import june_month, ny
from servicepact.customers.models import Customer

pytestmark = pytest.mark.django_db

NAME = '=HYPERLINK("http://evil.example","阿克梅")'
TABLES = {
    "statement.csv", "tickets.csv", "compliance.csv", "availability.csv", "kpis.csv",
    "breaches.csv", "credits.csv", "hours.csv", "trend.csv",
}  # fmt: skip


@pytest.fixture
def june(clock):
    june = june_month(clock)
    clock.at(ny(2025, 7, 2, 9))
    Customer.objects.filter(pk=june.world.customer.pk).update(name=NAME)
    return june


def url(june, fmt):
    return f"/reports/desk/contracts/{june.contract.pk}/statement/?period=2025-06&format={fmt}"


def test_spreadsheet_pack_is_one_csv_per_table_with_bom(client, june):
    client.force_login(june.world.agent)
    response = client.get(url(june, "csvzip"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    name = 'attachment; filename="statement-ACME-1-2025-06.csv.zip"'
    assert response["Content-Disposition"] == name
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    assert set(archive.namelist()) == TABLES
    for member in TABLES:
        raw = archive.read(member)
        assert raw.startswith(b"\xef\xbb\xbf"), member
        rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
        assert rows[0] and not rows[0][0].startswith("#"), member  # a header, one table
        assert [] not in rows, member
    statement = list(csv.DictReader(io.StringIO(archive.read("statement.csv").decode("utf-8-sig"))))
    assert statement[0]["customer"] == "'" + NAME
    compliance = archive.read("compliance.csv").decode("utf-8-sig")
    assert compliance.startswith("metric,priority,met,breached,total,percent")
    assert "on_site,1,1,2,3,33.33,16800,21600,14400" in compliance


def test_one_file_csv_escapes_the_name_and_has_no_bom(client, june):
    client.force_login(june.world.agent)
    raw = client.get(url(june, "csv")).content
    assert raw.startswith(b"# statement\n")
    text = raw.decode()
    assert f'ACME-1,"\'{NAME.replace(chr(34), chr(34) * 2)}",' in text
    assert "阿克梅" in text


def test_the_page_links_the_spreadsheet_pack(client, june):
    client.force_login(june.world.agent)
    html = client.get(url(june, "html")).content.decode()
    assert "?period=2025-06&amp;format=csvzip" in html
