"""The post-incident report cites the backup run it restored from (a reference, not only
text): a good run of the customer's own assets; a failed run or another customer's run is a
422 naming ``restored_run``; the note is kept beside it. API and desk."""

from __future__ import annotations

import pytest
from django.test import Client

from servicepact.backups.models import BackupRun
from servicepact.core.errors import DomainValidationError
from servicepact.incidents import services as incidents
from servicepact.incidents.render import report_document
from servicepact.incidents.tests.test_report import declared
from servicepact.tickets.testing import utc, world

pytestmark = pytest.mark.django_db


def backup(w, key: str, status: str = "succeeded") -> BackupRun:
    return BackupRun.objects.create(
        run_key=key, host=w.asset.hostname, asset=w.asset, location="offsite", status=status,
        started_at=utc(2025, 6, 2, 6), finished_at=utc(2025, 6, 2, 6, 40), snapshot="4f2a9c",
        received_at=utc(2025, 6, 2, 7),
    )  # fmt: skip


def test_the_report_cites_a_good_run_of_the_customers_asset(clock):
    w, incident = declared(clock)
    good = backup(w, "good")
    report = incidents.update_report(
        report=incident.report, actor=w.agent, restored_run=good, restored_from="vault B"
    )
    doc = report_document(report)
    assert doc["restored_run"]["id"] == good.pk
    assert (doc["restored_run"]["asset"], doc["restored_run"]["snapshot"]) == (
        w.asset.hostname,
        "4f2a9c",
    )
    assert doc["restored_from"] == "vault B"
    report = incidents.update_report(report=report, actor=w.agent, restored_run=None)
    assert report.restored_run is None and report.restored_from == "vault B"


def test_a_failed_run_or_another_customers_run_is_refused(clock):
    """Negative: neither is a backup the customer's data could come from."""
    w, incident = declared(clock)
    failed = backup(w, "failed", status="failed")
    other = world(code="globex")
    foreign = backup(other, "foreign")
    for run in (failed, foreign):
        with pytest.raises(DomainValidationError) as error:
            incidents.update_report(report=incident.report, actor=w.agent, restored_run=run)
        assert "restored_run" in error.value.errors
    incident.report.refresh_from_db()
    assert incident.report.restored_run is None


def test_the_api_and_the_desk_set_the_run(clock):
    w, incident = declared(clock)
    good = backup(w, "good")
    failed = backup(w, "failed", status="failed")
    staff = Client()
    staff.force_login(w.agent)
    url = f"/api/v1/incidents/major/{incident.pk}/report"
    response = staff.patch(url, {"restored_run": good.pk}, content_type="application/json")
    assert response.status_code == 200, response.content
    assert response.json()["restored_run"]["location"] == "offsite"
    bad = staff.patch(url, {"restored_run": failed.pk}, content_type="application/json")
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["loc"][-1] == "restored_run"
    missing = staff.patch(url, {"restored_run": 999999}, content_type="application/json")
    assert missing.status_code == 422
    page = staff.post(f"/desk/incidents/{incident.pk}/",
                      {"action": "save", "restored_run": str(good.pk), "restored_from": "note"})  # fmt: skip
    assert page.status_code == 302
    incident.report.refresh_from_db()
    assert (incident.report.restored_run_id, incident.report.restored_from) == (good.pk, "note")
    assert "4f2a9c" in staff.get(f"/desk/incidents/{incident.pk}/").content.decode()
