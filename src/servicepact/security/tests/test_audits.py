"""The audit frequency as a schedule (due, notice, overdue), findings and report files."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client

from servicepact.contracts.models import Contract
from servicepact.core.errors import DomainValidationError
from servicepact.core.testing import utc
from servicepact.notifications.models import Notification
from servicepact.security import services
from servicepact.security.audits import is_overdue, run_audit_schedule
from servicepact.security.models import SecurityAudit
from servicepact.security.testing import secured
from servicepact.tickets.testing import user, world

pytestmark = pytest.mark.django_db


@pytest.fixture
def w(clock, settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }
    clock.at(utc(2025, 6, 1))
    w = world(code="acme")  # contract from 2025-01-01, audit every 365 days
    secured(w)
    w.staff = user("boss", staff=True)
    Contract.objects.filter(pk=w.contract.pk).update(service_manager=w.staff)
    return w


def audit_events():
    return sorted(
        Notification.objects.filter(
            event__startswith="security.audit", channel="in_app"
        ).values_list("event", flat=True)
    )


def test_the_frequency_schedules_the_next_audit_and_warns_once(w, clock):
    """Start 2025-01-01 + 365 days: due 2026-01-01; notice 14 days before, overdue after."""
    report = run_audit_schedule(utc(2025, 6, 1))
    assert report.scheduled == 1
    audit = SecurityAudit.objects.get(contract=w.contract)
    assert (audit.due_on, audit.status, audit.scheduled) == (date(2026, 1, 1), "scheduled", True)
    assert audit_events() == []
    run_audit_schedule(utc(2025, 12, 17, 12))  # 15 days before, in New York: nothing yet
    assert audit_events() == []
    run_audit_schedule(utc(2025, 12, 18, 12))  # 14 days before
    assert audit_events() == ["security.audit_due"]
    clock.at(utc(2026, 1, 2, 12))
    assert not is_overdue(audit, utc(2026, 1, 1, 12))
    assert is_overdue(audit, utc(2026, 1, 2, 12))
    run_audit_schedule(utc(2026, 1, 2, 12))
    run_audit_schedule(utc(2026, 1, 3, 12))
    assert audit_events() == ["security.audit_due", "security.audit_overdue"]
    assert SecurityAudit.objects.count() == 1


def test_recording_the_audit_schedules_the_next_one(w, clock):
    run_audit_schedule(utc(2025, 6, 1))
    audit = SecurityAudit.objects.get()
    services.record_audit(audit=audit, performed_on=date(2025, 12, 20), actor=w.staff)
    nxt = SecurityAudit.objects.get(status="scheduled")
    assert nxt.due_on == date(2026, 12, 20)
    from servicepact.core.errors import TransitionError

    with pytest.raises(TransitionError):
        services.record_audit(audit=audit, performed_on=date(2025, 12, 21), actor=w.staff)


def test_a_finding_gets_the_rectification_deadline(w, clock):
    audit = services.schedule_audit(contract=w.contract, kind="pentest", due_on=date(2025, 6, 1))
    clock.at(utc(2025, 6, 2))
    finding = services.add_finding(
        audit=audit, title="Weak TLS ciphers", severity="high", actor=w.staff
    )
    assert (finding.target_seconds, finding.deadline_at) == (240 * 3600, utc(2025, 6, 12))
    with pytest.raises(DomainValidationError) as caught:
        services.add_finding(audit=audit, title="", severity="severe", actor=w.staff)
    assert sorted(caught.value.errors) == ["severity", "title"]


def test_report_files_are_limited_downloaded_safely_and_tenant_scoped(w, settings):
    audit = services.schedule_audit(contract=w.contract, kind="pentest", due_on=date(2025, 6, 1))
    settings.SERVICEPACT = {**settings.SERVICEPACT, "ATTACHMENT_MAX_BYTES": 10}
    with pytest.raises(DomainValidationError) as caught:
        services.attach_report(audit=audit, name="r.pdf", content=b"x" * 11, actor=w.staff)
    assert list(caught.value.errors) == ["file"]
    audit.refresh_from_db()
    assert not audit.report
    services.attach_report(
        audit=audit,
        name="<script>.html",
        content=b"<b>hi</b>",
        content_type="text/html",
        actor=w.staff,
    )
    contact = Client()
    contact.force_login(w.contact.user)
    response = contact.get(f"/api/v1/audits/{audit.pk}/report")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/octet-stream"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("attachment")
    assert b"".join(response.streaming_content) == b"<b>hi</b>"
    other = world(code="globex")
    stranger = Client()
    stranger.force_login(other.contact.user)
    assert stranger.get(f"/api/v1/audits/{audit.pk}/report").status_code == 404
