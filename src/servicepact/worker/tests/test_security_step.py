"""The worker's pass runs the security steps: remediation deadlines and the audit schedule."""

from __future__ import annotations

import pytest

from servicepact.core.testing import utc
from servicepact.security import services
from servicepact.security.models import SecurityAudit
from servicepact.security.testing import advisory_args, secured
from servicepact.tickets.testing import world
from servicepact.worker.passes import run_pass

pytestmark = pytest.mark.django_db


def test_a_pass_breaches_an_overdue_vulnerability_and_schedules_the_audit(clock):
    clock.at(utc(2025, 6, 2, 10))
    w = world(code="acme")
    secured(w)
    advisory = services.create_advisory(**advisory_args("critical"))
    vuln = services.report_vulnerability(advisory=advisory, contract=w.contract, assets=[w.asset])
    clock.at(utc(2025, 6, 6))
    report = run_pass(utc(2025, 6, 6))
    assert (report.security.breaches, report.audits.scheduled) == (1, 1)
    vuln.refresh_from_db()
    assert vuln.clock_status == "breached"
    assert SecurityAudit.objects.filter(contract=w.contract, status="scheduled").count() == 1
    again = run_pass(utc(2025, 6, 6, 0, 5))
    assert (again.security.breaches, again.audits.scheduled) == (0, 0)
