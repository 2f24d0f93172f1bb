"""The worker's remediation step: warnings at 50/75/90 %, then the breach, once each."""

from __future__ import annotations

import pytest

from servicepact.accounts.choices import StaffRole
from servicepact.accounts.models import StaffProfile
from servicepact.contracts.models import Contract
from servicepact.core.testing import utc
from servicepact.notifications.models import Notification
from servicepact.security import services
from servicepact.security.due import process_due_remediation
from servicepact.security.testing import advisory_args, secured
from servicepact.tickets.testing import user, world

pytestmark = pytest.mark.django_db


@pytest.fixture
def w(clock):
    clock.at(utc(2025, 6, 2, 10))
    w = world(code="acme")
    secured(w)
    w.manager = user("acme-manager", staff=True)
    w.manager.email = "manager@example.com"
    w.manager.save()
    StaffProfile.objects.create(user=w.manager, role=StaffRole.SERVICE_MANAGER)
    Contract.objects.filter(pk=w.contract.pk).update(service_manager=w.manager)
    advisory = services.create_advisory(**advisory_args("critical"))
    w.vuln = services.report_vulnerability(
        advisory=advisory, contract=w.contract, assets=[w.asset], reported_at=utc(2025, 6, 2, 10)
    )
    return w


def events(prefix):
    return sorted(
        Notification.objects.filter(event__startswith=prefix, channel="in_app").values_list(
            "event", "payload__percent"
        )
    )


def test_next_check_is_the_first_warning(w):
    """72 h from Mon 10:00: 50 % at Tue 22:00 (36 h)."""
    assert w.vuln.next_check_at == utc(2025, 6, 3, 22)


def test_warnings_then_the_breach_each_once(w, clock):
    clock.at(utc(2025, 6, 3, 22))
    assert process_due_remediation(utc(2025, 6, 3, 22)).warnings == 1
    w.vuln.refresh_from_db()
    assert (w.vuln.warned, w.vuln.next_check_at) == (1, utc(2025, 6, 4, 16))  # 75 % = 54 h
    clock.at(utc(2025, 6, 5, 10, 0, 1))  # one second past the deadline: 90 % and the breach
    report = process_due_remediation(utc(2025, 6, 5, 10, 0, 1))
    assert (report.warnings, report.breaches) == (0, 1)
    w.vuln.refresh_from_db()
    assert (w.vuln.clock_status, w.vuln.next_check_at, w.vuln.warned) == ("breached", None, 3)
    assert list(w.vuln.events.values_list("kind", flat=True)) == ["reported", "breached"]
    assert events("security.remediation") == [
        ("security.remediation_breached", 100),
        ("security.remediation_warning", 50),
    ]
    again = process_due_remediation(utc(2025, 6, 6))
    assert (again.checked, again.warnings, again.breaches) == (0, 0, 0)
    # Each notice in-app and by e-mail to the contract's service manager, nothing more.
    assert Notification.objects.filter(event__startswith="security.").count() == 4


def test_patched_before_the_first_warning_sends_nothing(w, clock):
    clock.at(utc(2025, 6, 3, 9))
    services.mark_patched(item=w.vuln, actor=w.agent)
    w.vuln.refresh_from_db()
    assert w.vuln.next_check_at is None
    clock.at(utc(2025, 6, 6))
    assert process_due_remediation(utc(2025, 6, 6)).checked == 0
    assert events("security.") == []


def test_accepted_risk_is_never_warned_nor_breached_by_the_worker(w, clock):
    clock.at(utc(2025, 6, 2, 12))
    services.accept_risk(item=w.vuln, note="lab host", actor=w.contact.user)
    clock.at(utc(2025, 6, 10))
    report = process_due_remediation(utc(2025, 6, 10))
    assert report.checked == 0
    w.vuln.refresh_from_db()
    assert (w.vuln.clock_status, w.vuln.breached_at) == ("paused", None)
