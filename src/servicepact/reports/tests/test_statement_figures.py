"""Statement figures against hand-computed values on the fixed June (billing.testing)."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pytest

from servicepact.billing.services import log_work
from servicepact.billing.testing import june_month, ny
from servicepact.contracts.models import KpiCommitment
from servicepact.monitoring.measurements import record_measurement
from servicepact.reports.statement import build_statement, nearest_rank, percent

pytestmark = pytest.mark.django_db

D = Decimal


def row(metric, priority, met, breached, pct, mean, p90, target):
    return {
        "metric": metric,
        "priority": priority,
        "met": met,
        "breached": breached,
        "total": met + breached,
        "percent": pct,
        "mean_seconds": mean,
        "p90_seconds": p90,
        "target_seconds": target,
    }


@pytest.fixture
def june(clock):
    june = june_month(clock)
    t1 = june.tickets["T1"]
    log_work(ticket=t1, user=june.world.agent, minutes=150, day=ny(2025, 6, 2).date())
    log_work(
        ticket=t1, user=june.world.agent, minutes=45, day=ny(2025, 6, 3).date(), billable=False
    )
    return june


def test_compliance_per_metric_and_priority(june):
    """Met / total, mean and nearest-rank p90 of business seconds, per the module docstring
    of billing.testing: e.g. on site P1 = T1 18000 (breached), T2 10800, T4 21600
    (breached): 1/3 = 33.33 %, mean 16800, p90 the 3rd of 3 = 21600."""
    s = build_statement(june.contract, "2025-06", now=ny(2025, 7, 1, 12))
    rows = [
        {k: r[k] for k in ("metric", "priority", "met", "breached", "total", "percent",
                           "mean_seconds", "p90_seconds", "target_seconds")}
        for r in s["compliance"]["rows"]
    ]  # fmt: skip
    assert rows == [
        row("first_response", 1, 2, 1, "66.67", 1500, 2700, 1800),
        row("first_response", 2, 1, 0, "100.00", 1800, 1800, 3600),
        row("first_response", 4, 1, 0, "100.00", 3600, 3600, 14400),
        row("on_site", 1, 1, 2, "33.33", 16800, 21600, 14400),
        row("restore", 1, 1, 2, "33.33", 18000, 21600, 14400),
        row("restore", 2, 2, 0, "100.00", 10800, 14400, 14400),
        row("resolution", 1, 3, 0, "100.00", 25200, 25200, 28800),
        row("resolution", 2, 2, 0, "100.00", 18000, 21600, 28800),
    ]
    assert [
        (m["metric"], m["met"], m["total"], m["percent"]) for m in s["compliance"]["by_metric"]
    ] == [
        ("first_response", 4, 5, "80.00"),
        ("on_site", 1, 3, "33.33"),
        ("restore", 3, 5, "60.00"),
        ("resolution", 5, 5, "100.00"),
    ]
    assert s["compliance"]["overall"] == {"met": 13, "breached": 5, "total": 18, "percent": "72.22"}


def test_tickets_breaches_credits_hours_and_trend(june):
    """Opened in June: P1 3, P2 1, P3 1, P4 1; resolved in June: P1 3, P2 2 (T6 and T3).
    Five breaches by breach instant; credits 135.00 USD (a preview: not closed yet); hours
    2.50 used of 10.00 included, 0.75 non-billable. The trend: May 0/1 (T6's first
    response), June 13/18."""
    s = build_statement(june.contract, "2025-06", now=ny(2025, 7, 1, 12))
    t = june.tickets
    assert [(r["priority"], r["opened"], r["resolved"]) for r in s["tickets"]["by_priority"]] == [
        (1, 3, 3),
        (2, 1, 2),
        (3, 1, 0),
        (4, 1, 0),
    ]
    assert (s["tickets"]["opened"], s["tickets"]["resolved"]) == (6, 5)
    assert [
        (b["ticket"], b["metric"], b["deadline"], b["breached_by_seconds"], b["excluded_because"])
        for b in s["breaches"]
    ] == [
        (t["T1"].number, "on_site", "2025-06-02T18:00:00+00:00", 3600, ""),
        (t["T1"].number, "restore", "2025-06-02T18:00:00+00:00", 5400, ""),
        (t["T2"].number, "first_response", "2025-06-03T13:30:00+00:00", 900, ""),
        (
            t["T4"].number,
            "on_site",
            "2025-06-06T18:00:00+00:00",
            7200,
            "force majeure: Street flood",
        ),
        (
            t["T4"].number,
            "restore",
            "2025-06-06T18:00:00+00:00",
            7200,
            "force majeure: Street flood",
        ),
    ]
    assert s["breaches"][0]["cause"] == "Hardware: Server down"
    assert s["breaches"][0]["breached_by"] == "1h 00m"
    credits = s["credits"]
    assert (credits["preview"], credits["amount"], credits["percent"], credits["currency"]) == (
        True,
        "135.00",
        "4.50",
        "USD",
    )
    assert [x["amount"] for x in credits["lines"]] == ["60.00", "45.00", "30.00", "0.00", "0.00"]
    assert credits["lines"][0]["description"] == (
        "P1 On-site arrival breach: 2 % per breach (schedule ACME-1 v1)"
    )
    assert s["hours"] == {
        "used": "2.50",
        "non_billable": "0.75",
        "included": "10.00",
        "over": "0.00",
        "remaining": "7.50",
    }
    trend = s["trend"]
    assert trend["months"][-2:] == ["2025-05", "2025-06"]
    assert trend["compliance_percent"][-2:] == ["0.00", "72.22"]
    assert trend["compliance_percent"][:-2] == [None] * 10
    assert trend["decided"][-2:] == [1, 18]
    assert (s["cutoff"], s["final"]) == ("2025-07-01T04:00:00+00:00", True)


def test_availability_from_monitoring(june):
    """The asset is covered all June (30 days = 2,592,000 s on 24x7) with no outage: 100 %;
    no availability commitment, so nothing to meet."""
    s = build_statement(june.contract, "2025-06", now=ny(2025, 7, 1, 12))
    a = s["availability"]
    assert (a["measured"], a["percent"], a["measured_seconds"], a["unplanned_seconds"]) == (
        True,
        "100.0000",
        2_592_000,
        0,
    )
    assert (a["commitment"], a["met"], a["downtime"]) == (None, None, [])


def test_a_month_not_over_is_provisional(june):
    """As of Wed 4 Jun 12:00 only T6's restore and resolution (2 met), T1's four clocks (2 met,
    2 breached) and T2's four (3 met, 1 breached) are decided: 7 / 10 = 70.00 %."""
    s = build_statement(june.contract, "2025-06", now=ny(2025, 6, 4, 12))
    assert s["final"] is False
    assert s["compliance"]["overall"] == {"met": 7, "breached": 3, "total": 10, "percent": "70.00"}


def test_percent_and_nearest_rank_helpers():
    """2/3 -> 66.67 (half up), nothing -> None; p90 of 1..10 is the 9th value, of one value it."""
    assert (percent(2, 3), percent(1, 8), percent(0, 0)) == ("66.67", "12.50", None)
    assert nearest_rank(np.arange(1, 11), 0.9) == 9
    assert nearest_rank(np.array([7]), 0.9) == 7
    assert nearest_rank(np.array([], dtype=np.int64), 0.9) is None


def test_kpi_measurements_and_the_availability_commitment(june, clock):
    """Commitments RTO 240 min and availability 99.95 %: June's RTO measurements 180 (met)
    and 300 (missed) give one row 2 / 1 / 1, range 180–300 min; availability 100 % meets
    99.95 %."""
    v1 = june.contract.versions.get(number=1)
    KpiCommitment.objects.create(contract_version=v1, kind="rto", target=D("240"))
    KpiCommitment.objects.create(contract_version=v1, kind="availability", target=D("99.95"))
    for day, minutes in ((10, 180), (20, 300)):
        record_measurement(
            contract=june.contract, kind="rto", value=minutes, measured_at=ny(2025, 6, day, 12)
        )
    s = build_statement(june.contract, "2025-06", now=ny(2025, 7, 1, 12))
    assert s["kpis"] == [
        {
            "kind": "rto",
            "label": "Recovery time objective (RTO)",
            "severity": "",
            "unit": "min",
            "commitment": "240",
            "measurements": 2,
            "met": 1,
            "missed": 1,
            "lowest": "180",
            "highest": "300",
            "measured": True,
        }
    ]
    assert (s["availability"]["commitment"], s["availability"]["met"]) == ("99.9500", True)
