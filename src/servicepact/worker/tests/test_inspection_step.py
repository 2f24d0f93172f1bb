"""The worker's pass generates inspection visits ahead of time, once."""

from __future__ import annotations

from datetime import date

import pytest

from servicepact.core.testing import utc
from servicepact.inspections.models import Visit
from servicepact.inspections.tests.conftest import make_plan
from servicepact.tickets.testing import world
from servicepact.worker.passes import run_pass

pytestmark = pytest.mark.django_db


def test_a_pass_schedules_the_next_quarters_visit_once(clock):
    """Created on 2025-01-02 with the 120-day horizon, the plan has January's and April's
    visits; on 2025-03-20 the horizon reaches 2025-07-18, so the pass adds 2025-07-07 (09:00
    EDT = 13:00 UTC); the next pass adds nothing."""
    clock.at(utc(2025, 1, 2))
    plan = make_plan(world(code="acme"))
    clock.at(utc(2025, 3, 20))
    report = run_pass(utc(2025, 3, 20))
    assert report.failed_steps == 0
    assert report.inspection_visits == 1
    assert Visit.objects.get(plan=plan, occurs_on=date(2025, 7, 7)).scheduled_at == utc(
        2025, 7, 7, 13
    )
    assert run_pass(utc(2025, 3, 20, 0, 5)).inspection_visits == 0
    assert Visit.objects.filter(plan=plan).count() == 3
