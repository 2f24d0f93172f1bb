"""Visits are generated from the plan's RRULE at the local time of day in the customer's
zone, DST-correct, and idempotently (a second run creates nothing)."""

from __future__ import annotations

from datetime import date, time

import pytest
from django.test import override_settings

from servicepact.core.errors import DomainValidationError
from servicepact.inspections.models import InspectionPlan, Visit
from servicepact.inspections.recurrence import parse_rule
from servicepact.inspections.services import generate_visits
from servicepact.inspections.tests.conftest import QUARTERLY, make_plan, utc

WEEKLY = "FREQ=WEEKLY;BYDAY=MO"


def instants(plan):
    return [(v.occurs_on, v.scheduled_at) for v in Visit.objects.filter(plan=plan)]


@override_settings(SERVICEPACT={"INSPECTION_HORIZON_DAYS": 200})
def test_quarterly_first_monday_in_new_york_across_the_spring_change(acme, clock):
    """First Mondays of Jan, Apr, Jul 2025 at 09:00 New York: 2025-01-06 is EST (UTC-5) ->
    14:00 UTC; 2025-04-07 and 2025-07-07 are EDT (UTC-4) -> 13:00 UTC. The horizon (200
    days from 2025-01-02) ends 2025-07-21, before October's."""
    clock.at(utc(2025, 1, 2))
    plan = make_plan(acme, rrule=QUARTERLY)
    assert instants(plan) == [
        (date(2025, 1, 6), utc(2025, 1, 6, 14)),
        (date(2025, 4, 7), utc(2025, 4, 7, 13)),
        (date(2025, 7, 7), utc(2025, 7, 7, 13)),
    ]


@override_settings(SERVICEPACT={"INSPECTION_HORIZON_DAYS": 20})
def test_weekly_in_new_york_runs_twice_and_creates_nothing_new(acme, clock):
    """DST starts 2025-03-09 in New York. Mondays 03-03 (EST: 14:00 UTC), 03-10 and 03-17
    (EDT: 13:00 UTC) lie before the horizon 2025-03-21 00:00 UTC; the worker, run twice at
    the same instant, adds nothing, and nothing either when the plan's high-water mark is lost
    (the unique (plan, occurs_on) with insert-ignore)."""
    clock.at(utc(2025, 3, 1))
    plan = make_plan(acme, rrule=WEEKLY, starts_on=date(2025, 3, 1))
    expected = [
        (date(2025, 3, 3), utc(2025, 3, 3, 14)),
        (date(2025, 3, 10), utc(2025, 3, 10, 13)),
        (date(2025, 3, 17), utc(2025, 3, 17, 13)),
    ]
    assert instants(plan) == expected
    assert generate_visits() == 0
    assert generate_visits() == 0
    InspectionPlan.objects.filter(pk=plan.pk).update(generated_until=None)
    assert generate_visits() == 0
    assert instants(plan) == expected


@override_settings(SERVICEPACT={"INSPECTION_HORIZON_DAYS": 10})
def test_worker_extends_the_horizon_in_berlin_across_both_changes(nord, clock):
    """Europe/Berlin: CEST from 2025-03-30, CET again from 2025-10-26. 09:00 on Monday
    03-24 is 08:00 UTC, on 03-31 07:00 UTC; on 10-20 07:00 UTC, on 10-27 08:00 UTC. Each
    worker pass adds only the Mondays its horizon newly reaches."""
    clock.at(utc(2025, 3, 20))
    plan = make_plan(nord, rrule=WEEKLY, starts_on=date(2025, 3, 1))
    assert instants(plan) == [(date(2025, 3, 24), utc(2025, 3, 24, 8))]  # until 03-30 00:00
    clock.at(utc(2025, 3, 27))  # horizon 04-06 00:00 UTC: 03-31 is new
    assert generate_visits() == 1
    assert Visit.objects.get(plan=plan, occurs_on=date(2025, 3, 31)).scheduled_at == utc(
        2025, 3, 31, 7
    )
    assert generate_visits() == 0
    clock.at(utc(2025, 10, 17))  # from now to 10-27 00:00 UTC: only 10-20
    assert generate_visits() == 1
    clock.at(utc(2025, 10, 18))  # horizon 10-28 00:00 UTC: 10-27 at 08:00 UTC
    assert generate_visits() == 1
    autumn = Visit.objects.filter(plan=plan, occurs_on__gte=date(2025, 10, 1))
    assert [v.scheduled_at for v in autumn] == [utc(2025, 10, 20, 7), utc(2025, 10, 27, 8)]


@override_settings(SERVICEPACT={"INSPECTION_HORIZON_DAYS": 3})
def test_a_time_in_the_spring_gap_moves_forward_by_the_gap(acme, clock):
    """02:30 does not exist in New York on 2025-03-09: read with the offset before the gap
    (EST), it is 07:30 UTC = 03:30 EDT. The days around it keep 02:30 local."""
    clock.at(utc(2025, 3, 8))
    plan = make_plan(acme, rrule="FREQ=DAILY", starts_on=date(2025, 3, 1), at=time(2, 30))
    assert instants(plan) == [
        (date(2025, 3, 8), utc(2025, 3, 8, 7, 30)),
        (date(2025, 3, 9), utc(2025, 3, 9, 7, 30)),
        (date(2025, 3, 10), utc(2025, 3, 10, 6, 30)),
    ]


def test_inactive_plans_get_no_new_visits(acme, clock):
    clock.at(utc(2025, 1, 2))
    plan = make_plan(acme)
    InspectionPlan.objects.filter(pk=plan.pk).update(is_active=False, generated_until=None)
    Visit.objects.filter(plan=plan).delete()
    assert generate_visits() == 0
    assert not Visit.objects.filter(plan=plan).exists()


@pytest.mark.parametrize(
    ("rule", "reason"),
    [
        ("FREQ=FORTNIGHTLY", "not a valid RRULE"),
        ("FREQ=MONTHLY;BYDAY=XX", "not a valid RRULE"),
        ("INTERVAL=3", "not a valid RRULE: FREQ is required"),
        ("FREQ=MONTHLY;BYDAY=1XX", "not a valid RRULE: invalid 'BYDAY': 1XX"),
        ("FREQ=HOURLY", "at most one visit a day"),
        ("FREQ=DAILY;BYHOUR=9", "BYHOUR is not allowed"),
        ("DTSTART:20250101T090000\nRRULE:FREQ=DAILY", "single RRULE line"),
        ("", "must not be empty"),
    ],
)
def test_a_bad_rule_is_a_field_error_with_the_reason(rule, reason):
    with pytest.raises(DomainValidationError) as caught:
        parse_rule(rule, starts_on=date(2025, 1, 1), at=time(9))
    assert list(caught.value.errors) == ["rrule"]
    assert reason in caught.value.errors["rrule"][0]
