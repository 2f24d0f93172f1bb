"""Deactivating a plan (``services.deactivate_inspection_plan``, desk button): no more visits
are generated and its untouched future visits go; past ones stay."""

from __future__ import annotations

from datetime import date

import pytest

from servicepact.core.errors import TransitionError
from servicepact.inspections.models import InspectionPlan, Visit
from servicepact.inspections.services import deactivate_inspection_plan, generate_visits

from .conftest import login, make_plan, utc


def _days(plan):
    return list(
        Visit.objects.filter(plan=plan).order_by("occurs_on").values_list("occurs_on", flat=True)
    )


def test_deactivating_removes_future_visits_and_stops_generation(acme, clock):
    """Quarterly, first Monday, 09:00 New York, created 2 Jan 2025 with a 120-day horizon:
    visits on 6 Jan and 7 Apr. At 6 Jan 16:00 UTC (11:00 New York) the 6 Jan visit is past:
    it stays; the 7 Apr one is removed. Nothing is generated afterwards; a second
    deactivation is refused."""
    clock.at(utc(2025, 1, 2))
    plan = make_plan(acme)
    assert _days(plan) == [date(2025, 1, 6), date(2025, 4, 7)]
    clock.at(utc(2025, 1, 6, 16))
    desk = login(acme.agent)
    assert (
        login(acme.contact.user).post(f"/desk/inspections/{plan.pk}/deactivate/").status_code == 404
    )
    assert InspectionPlan.objects.get(pk=plan.pk).is_active
    done = desk.post(f"/desk/inspections/{plan.pk}/deactivate/", follow=True)
    assert "Plan deactivated; 1 scheduled visit removed." in done.content.decode()
    assert not InspectionPlan.objects.get(pk=plan.pk).is_active
    assert _days(plan) == [date(2025, 1, 6)]
    assert generate_visits(now=utc(2025, 6, 1)) == 0
    assert _days(plan) == [date(2025, 1, 6)]
    again = desk.post(f"/desk/inspections/{plan.pk}/deactivate/", follow=True)
    assert "the plan is inactive already" in again.content.decode()
    with pytest.raises(TransitionError):
        deactivate_inspection_plan(plan=plan, actor=acme.agent)


def test_the_api_deactivates_a_plan(acme, clock):
    """Staff: 200 with ``is_active`` false and the 7 Apr visit gone; again: 409; a contact:
    403 on its own customer's plan, nothing changed."""
    clock.at(utc(2025, 1, 2))
    plan = make_plan(acme)
    url = f"/api/v1/inspections/plans/{plan.pk}/deactivate"
    refused = login(acme.contact.user).post(url)
    assert refused.status_code == 403
    assert InspectionPlan.objects.get(pk=plan.pk).is_active
    done = login(acme.agent).post(url)
    assert done.status_code == 200
    assert done.json()["is_active"] is False
    assert _days(plan) == []  # both visits still ahead at 2 Jan: removed
    assert login(acme.agent).post(url).status_code == 409
    assert login(acme.agent).post("/api/v1/inspections/plans/999999/deactivate").status_code == 404
