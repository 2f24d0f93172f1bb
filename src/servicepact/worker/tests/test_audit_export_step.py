"""The pass writes queued audit exports and deletes expired files (reports.exports); a job
that fails is recorded on its row and does not fail the pass."""

from __future__ import annotations

from datetime import timedelta

import pytest

from servicepact.billing.testing import june_month, ny
from servicepact.reports.exports import request_audit_export
from servicepact.reports.models import AuditExport
from servicepact.worker.passes import run_pass

pytestmark = pytest.mark.django_db


def test_a_pass_writes_the_queued_exports_then_expires_them(clock, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    june = june_month(clock)
    clock.at(ny(2025, 7, 2, 9))
    for period in ("2025-06", "2025-05", "2025-04"):
        request_audit_export(contract=june.contract, period=period, user=None)
    first = run_pass(ny(2025, 7, 2, 9))
    assert (first.exports, first.ok, first.full) == (2, True, True)  # two a pass: more waits
    assert "exports=2 expired_exports=0" in first.summary()
    second = run_pass(ny(2025, 7, 2, 9, 1))
    assert (second.exports, second.full) == (1, False)
    assert set(AuditExport.objects.values_list("status", flat=True)) == {"done"}
    later = run_pass(ny(2025, 7, 2, 9) + timedelta(days=8))
    assert later.expired_exports == 3
    assert set(AuditExport.objects.values_list("status", flat=True)) == {"expired"}


def test_a_failed_export_does_not_fail_the_pass(clock, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "not-a-directory"
    settings.MEDIA_ROOT.write_text("")
    june = june_month(clock)
    clock.at(ny(2025, 7, 2, 9))
    job, _ = request_audit_export(contract=june.contract, period="2025-06", user=None)
    report = run_pass(ny(2025, 7, 2, 9))
    assert report.exports == 1 and report.ok and report.failed_steps == 0
    job.refresh_from_db()
    assert job.status == "failed" and job.error
