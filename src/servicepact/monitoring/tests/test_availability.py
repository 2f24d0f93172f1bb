"""Availability per contract and month: measured time, planned vs unplanned downtime, the
commitment's measurement calendar and exact, hand-computed percentages."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from servicepact.assets.models import Asset, ContractLine
from servicepact.changes import services as cs
from servicepact.contracts.services import create_contract
from servicepact.customers.models import Site
from servicepact.monitoring.availability import DowntimeSlice, contract_availability
from servicepact.monitoring.models import Outage
from servicepact.monitoring.services import record_outage
from servicepact.tickets.testing import world

from .conftest import ny, utc, with_availability

pytestmark = pytest.mark.django_db

JUNE_SECONDS = 30 * 86_400  # 2,592,000


@pytest.fixture
def w(clock):
    clock.at(ny(2025, 7, 2, 9))
    return world()


def down(asset, start, end, reason="power cut"):
    return record_outage(asset=asset, started_at=start, ended_at=end, reason=reason)


def test_no_downtime_is_100_percent_and_no_commitment_is_unjudged(w):
    """Without an availability KPI the month is measured 24x7 and nothing is judged."""
    result = contract_availability(w.contract, 2025, 6)
    assert (result.period, result.calendar, result.measured_seconds) == (
        "2025-06",
        "24x7",
        JUNE_SECONDS,
    )
    assert result.availability_percent == Decimal("100.0000")
    assert (result.commitment_percent, result.met, result.slices) == (None, None, ())


def test_24x7_month_with_a_one_hour_outage(w):
    """1 - 3600/2592000 = 99.861111..% -> 99.8611 %; meets 99.8, misses 99.9."""
    with_availability(w.contract, "99.8")
    outage = down(w.asset, ny(2025, 6, 10, 14), ny(2025, 6, 10, 15))
    result = contract_availability(w.contract, 2025, 6)
    assert result.availability_percent == Decimal("99.8611")
    assert (result.unplanned_downtime_seconds, result.commitment_percent, result.met) == (
        3600,
        Decimal("99.8000"),
        True,
    )
    assert result.slices == (
        DowntimeSlice(
            asset_id=w.asset.pk,
            hostname="acme-srv01",
            start=utc(2025, 6, 10, 18),
            end=utc(2025, 6, 10, 19),
            seconds=3600,
            planned=False,
            cause="manual: power cut",
            change_id=None,
        ),
    )
    assert outage.cause == "manual: power cut"


def test_percentage_is_truncated_but_met_is_exact(w):
    """One second down: 99.99996..% shows as 99.9999 (never rounded up to 100.0000)."""
    with_availability(w.contract, "99.9999")
    down(w.asset, ny(2025, 6, 10, 14), ny(2025, 6, 10, 14, 0, 1))
    result = contract_availability(w.contract, 2025, 6)
    assert (result.availability_percent, result.met) == (Decimal("99.9999"), True)


def test_dst_month_has_one_hour_less(w):
    """March 2025 in New York loses an hour on the 9th: 31 x 86400 - 3600 = 2,674,800 s.
    01:00 EST -> 04:00 EDT is 2 real hours; with 30 min more, 1 - 9000/2674800 =
    99.663526..% -> 99.6635 %."""
    with_availability(w.contract, "99.9")
    down(w.asset, ny(2025, 3, 9, 1), ny(2025, 3, 9, 4))
    down(w.asset, ny(2025, 3, 20, 10), ny(2025, 3, 20, 10, 30))
    result = contract_availability(w.contract, 2025, 3)
    assert result.measured_seconds == 2_674_800
    assert result.unplanned_downtime_seconds == 7200 + 1800
    assert result.availability_percent == Decimal("99.6635")  # 1 - 9000/2674800
    assert result.commitment_percent is None  # the commitment starts in May


def test_coverage_calendar_counts_only_coverage_hours(w):
    """Measured over the plan's Mon-Fri 09:00-18:00 New York hours: June 2025 has 21 weekdays,
    21 x 9 h = 680,400 s. An outage Tue 17:30-19:00 counts 30 min: 1 - 1800/680400 =
    99.735449..% -> 99.7354 %. A Saturday outage counts 0 s and is listed as such."""
    with_availability(w.contract, "99.5", calendar="coverage")
    down(w.asset, ny(2025, 6, 10, 17, 30), ny(2025, 6, 10, 19))
    down(w.asset, ny(2025, 6, 14, 10), ny(2025, 6, 14, 12), reason="weekend")
    result = contract_availability(w.contract, 2025, 6)
    assert (result.calendar, result.measured_seconds) == ("coverage", 680_400)
    assert [s.seconds for s in result.slices] == [1800, 0]
    assert result.availability_percent == Decimal("99.7354")
    assert result.met is True


def test_coverage_hours_apply_in_the_asset_site_zone(w):
    """An asset in London is measured on 09:00-18:00 London time: 10:00-11:00 London on a
    Tuesday counts 3600 s although it is 05:00-06:00 in New York (closed there)."""
    with_availability(w.contract, "99.5", calendar="coverage")
    london = Site.objects.create(customer=w.customer, name="London", timezone="Europe/London")
    Asset.objects.filter(pk=w.asset.pk).update(site=london)
    down(w.asset, utc(2025, 6, 10, 9), utc(2025, 6, 10, 10))
    result = contract_availability(w.contract, 2025, 6)
    assert (result.measured_seconds, result.unplanned_downtime_seconds) == (680_400, 3600)


def _change(w, start, end, approve=True):
    change = cs.request_change(
        customer=w.customer,
        title="Firmware upgrade",
        assets=[w.asset],
        planned_start=start,
        planned_end=end,
        actor=w.agent,
    )
    if approve:
        change = cs.approve_change(change=change, actor=w.contact.user)
    return change


def test_downtime_inside_an_approved_window_is_planned(w):
    """Window 02:00-04:00, outage 03:00-05:00: 1 h planned (excluded), 1 h unplanned."""
    with_availability(w.contract, "99.9")
    change = _change(w, ny(2025, 6, 14, 2), ny(2025, 6, 14, 4))
    down(w.asset, ny(2025, 6, 14, 3), ny(2025, 6, 14, 5))
    result = contract_availability(w.contract, 2025, 6)
    assert (result.planned_downtime_seconds, result.unplanned_downtime_seconds) == (3600, 3600)
    assert [(s.planned, s.change_id, s.seconds) for s in result.slices] == [
        (True, change.pk, 3600),
        (False, None, 3600),
    ]
    assert result.availability_percent == Decimal("99.8611")


@pytest.mark.parametrize("decision", ["requested", "rejected"])
def test_downtime_in_an_unapproved_or_rejected_window_counts(w, decision):
    with_availability(w.contract, "99.9")
    change = _change(w, ny(2025, 6, 14, 2), ny(2025, 6, 14, 4), approve=False)
    if decision == "rejected":
        cs.reject_change(change=change, actor=w.contact.user, reason="not this weekend")
    down(w.asset, ny(2025, 6, 14, 3), ny(2025, 6, 14, 5))
    result = contract_availability(w.contract, 2025, 6)
    assert (result.planned_downtime_seconds, result.unplanned_downtime_seconds) == (0, 7200)
    assert result.availability_percent == Decimal("99.7222")


def test_a_completed_change_stays_planned_and_windows_of_other_assets_do_not_apply(w):
    with_availability(w.contract, "99.9")
    other = Asset.objects.create(customer=w.customer, hostname="acme-srv02")
    ContractLine.objects.create(contract=w.contract, asset=other, start_date=date(2025, 1, 1))
    change = _change(w, ny(2025, 6, 14, 2), ny(2025, 6, 14, 4))
    cs.complete_change(change=change, actor=w.agent)
    down(w.asset, ny(2025, 6, 14, 2), ny(2025, 6, 14, 3))
    down(other, ny(2025, 6, 14, 2), ny(2025, 6, 14, 3))
    result = contract_availability(w.contract, 2025, 6)
    assert result.measured_seconds == 2 * JUNE_SECONDS
    assert (result.planned_downtime_seconds, result.unplanned_downtime_seconds) == (3600, 3600)


def test_overlapping_outages_of_one_asset_count_once(w):
    """10:00-11:00 and 10:30-12:00 are 2 h of downtime; the earlier claims the overlap."""
    down(w.asset, ny(2025, 6, 10, 10), ny(2025, 6, 10, 11), reason="a")
    down(w.asset, ny(2025, 6, 10, 10, 30), ny(2025, 6, 10, 12), reason="b")
    result = contract_availability(w.contract, 2025, 6)
    assert result.unplanned_downtime_seconds == 7200
    assert [(s.cause, s.seconds) for s in result.slices] == [
        ("manual: a", 3600),
        ("manual: b", 3600),
    ]


def test_assets_count_for_the_part_of_the_month_they_are_covered(w):
    """A second asset covered from 16 June: measured 30 + 15 days = 3,888,000 s; its outage on
    5 June (before its line) does not count, one on 20 June does: 1 - 3600/3888000 = 99.9074 %."""
    other = Asset.objects.create(customer=w.customer, hostname="acme-srv02")
    ContractLine.objects.create(contract=w.contract, asset=other, start_date=date(2025, 6, 16))
    down(other, ny(2025, 6, 5, 10), ny(2025, 6, 5, 11))
    down(other, ny(2025, 6, 20, 10), ny(2025, 6, 20, 11))
    result = contract_availability(w.contract, 2025, 6)
    assert result.measured_seconds == 3_888_000
    assert (result.unplanned_downtime_seconds, result.availability_percent) == (
        3600,
        Decimal("99.9074"),
    )


def test_outages_are_clipped_to_the_local_month_and_ongoing_ones_run_to_its_end(w):
    """31 May 23:00 -> 1 June 01:00 counts 1 h in June; an outage open since 30 June 22:00
    counts 2 h (to 1 July 00:00 New York): 3 h, 99.5833 %."""
    down(w.asset, ny(2025, 5, 31, 23), ny(2025, 6, 1, 1))
    down(w.asset, ny(2025, 6, 30, 22), None)
    result = contract_availability(w.contract, 2025, 6)
    assert result.unplanned_downtime_seconds == 10_800
    assert result.availability_percent == Decimal("99.5833")
    assert result.slices[0].start == utc(2025, 6, 1, 4)  # local midnight, in UTC


def test_merged_flapping_outages_are_ignored(w):
    keep = down(w.asset, ny(2025, 6, 10, 10), ny(2025, 6, 10, 11))
    merged = down(w.asset, ny(2025, 6, 10, 10, 20), ny(2025, 6, 10, 10, 40))
    Outage.objects.filter(pk=merged.pk).update(merged_into=keep)
    assert contract_availability(w.contract, 2025, 6).unplanned_downtime_seconds == 3600


def test_a_draft_contract_measures_nothing(w):
    draft = create_contract(
        number="ACME-DRAFT",
        customer=w.customer,
        plan=w.plan,
        start_date=date(2025, 1, 1),
        end_date=date(2025, 12, 31),
        activate=False,
    )
    ContractLine.objects.create(contract=draft, asset=w.asset, start_date=date(2025, 1, 1))
    result = contract_availability(draft, 2025, 6)
    assert (result.measured_seconds, result.availability_percent, result.met) == (0, None, None)


@pytest.mark.parametrize(
    ("calendar", "measured", "unplanned", "planned", "percent"),
    [
        ("24x7", 5_184_000, 4_500, 5_400, "99.9131"),
        ("coverage", 1_360_800, 2_700, 0, "99.8015"),
    ],
)
def test_worked_example_of_docs_monitoring(w, calendar, measured, unplanned, planned, percent):
    """docs/monitoring.md, "Worked example": two assets, June 2025, New York.
    srv01 down Tue 10 June 14:00-14:45; srv02 down Sat 14 June 02:30-04:30 with an approved
    window 02:00-04:00. 24x7: 2 x 2,592,000 s measured, 2,700 + 1,800 s unplanned, 5,400 s
    planned: 99.9131 %. Coverage (Mon-Fri 09-18): 2 x 680,400 s, only 2,700 s count: 99.8015 %."""
    with_availability(w.contract, "99.9", calendar=calendar)
    srv02 = Asset.objects.create(customer=w.customer, site=w.site, hostname="acme-srv02")
    ContractLine.objects.create(contract=w.contract, asset=srv02, start_date=date(2025, 1, 1))
    change = cs.request_change(
        customer=w.customer,
        title="Storage firmware",
        assets=[srv02],
        planned_start=ny(2025, 6, 14, 2),
        planned_end=ny(2025, 6, 14, 4),
    )
    cs.approve_change(change=change, actor=w.contact.user)
    down(w.asset, ny(2025, 6, 10, 14), ny(2025, 6, 10, 14, 45))
    down(srv02, ny(2025, 6, 14, 2, 30), ny(2025, 6, 14, 4, 30))
    result = contract_availability(w.contract, 2025, 6)
    assert (result.measured_seconds, result.unplanned_downtime_seconds) == (measured, unplanned)
    assert result.planned_downtime_seconds == planned
    assert result.availability_percent == Decimal(percent)
