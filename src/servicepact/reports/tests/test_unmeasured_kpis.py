"""Audit-frequency and drill-frequency commitments are stored and shown, but nothing measures
them yet (patch deadlines are measured since the security app: security/tests): the statement, its CSV, the desk and the portal say "not measured yet" and never
count them as met."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client

from servicepact.billing.testing import june_month, ny
from servicepact.contracts.models import KpiCommitment
from servicepact.monitoring.measurements import record_measurement
from servicepact.reports import formats
from servicepact.reports.statement import build_statement

pytestmark = pytest.mark.django_db


@pytest.fixture
def june(clock):
    june = june_month(clock)
    v1 = june.contract.versions.get(number=1)
    KpiCommitment.objects.create(contract_version=v1, kind="audit_frequency", target=Decimal("365"))
    KpiCommitment.objects.create(contract_version=v1, kind="backup_drill", target=Decimal("90"))
    KpiCommitment.objects.create(contract_version=v1, kind="rto", target=Decimal("240"))
    record_measurement(contract=june.contract, kind="rto", value=180, measured_at=ny(2025, 6, 10))
    return june


def test_the_statement_marks_them_unmeasured_and_claims_nothing_met(june):
    s = build_statement(june.contract, "2025-06", now=ny(2025, 7, 1, 12))
    rows = {k["kind"]: k for k in s["kpis"]}
    assert {k: (r["measured"], r["met"], r["missed"]) for k, r in rows.items()} == {
        "backup_drill": (False, 0, 0),
        "audit_frequency": (False, 0, 0),
        "rto": (True, 1, 0),
    }
    csv = formats.render_csv(s)
    assert "audit_frequency,,days,365,0,0,0,,,not measured yet" in csv
    assert "rto,,min,240,1,1,0,180,180,yes" in csv


def test_the_statement_page_says_not_measured_yet(june):
    client = Client()
    client.force_login(june.manager)
    page = client.get(
        f"/reports/desk/contracts/{june.contract.pk}/statement/", {"period": "2025-06"}
    ).content.decode()
    assert page.count("Not measured yet: neither met nor missed.") == 2


def test_desk_and_portal_contract_pages_tag_them(june):
    staff, contact = Client(), Client()
    staff.force_login(june.manager)
    contact.force_login(june.world.contact.user)
    desk = staff.get(f"/desk/contracts/{june.contract.pk}/").content.decode()
    portal = contact.get(f"/portal/contracts/{june.contract.pk}/").content.decode()
    for page in (desk, portal):
        assert page.count('<span class="tag kpi-unmeasured">not measured yet</span>') == 2
