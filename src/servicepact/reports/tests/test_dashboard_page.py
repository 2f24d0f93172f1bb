"""The dashboard as the desk uses it: in the navigation, renewals with contracts in grace,
a legend naming every metric that has breaches, times in the viewer's named zone."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client

from servicepact.accounts.choices import StaffRole
from servicepact.accounts.models import StaffProfile
from servicepact.billing.testing import june_month, ny
from servicepact.contracts.choices import ContractStatus
from servicepact.contracts.models import Contract
from servicepact.reports.charts import stacked_bars
from servicepact.reports.dashboard import portfolio
from servicepact.tickets.testing import world

pytestmark = pytest.mark.django_db


def test_renewals_include_a_contract_in_grace(clock, settings):
    """On 3 Jul 2025: Gamma ended 20 Jun (grace 30 days, to 20 Jul) and is listed as in grace
    with -13 days; Delta ended 1 May (grace over) is not; Beta ends 1 Sep (60 days)."""
    settings.TIME_ZONE = "UTC"
    clock.at(ny(2025, 1, 2, 9))
    world(code="beta", end=date(2025, 9, 1))
    gamma = world(code="gamma", end=date(2025, 6, 20))
    delta = world(code="delta", end=date(2025, 5, 1))
    Contract.objects.filter(pk=gamma.contract.pk).update(status=ContractStatus.GRACE)
    # The lifecycle job has not run for Delta yet: the dates still say it is expired.
    Contract.objects.filter(pk=delta.contract.pk).update(status=ContractStatus.GRACE)
    d = portfolio(now=ny(2025, 7, 3, 11))
    assert [
        (r["contract"], r["days_left"], r["in_grace"], r["grace_until"]) for r in d["renewals"]
    ] == [
        ("GAMMA-1", -13, True, date(2025, 7, 20)),
        ("BETA-1", 60, False, date(2025, 10, 1)),
    ]


def test_the_breach_legend_names_every_metric_with_breaches():
    """Four long metric names wrap onto a second legend row inside the drawing; "Resolution"
    is there. A metric without breaches gets no series."""
    series = [
        ("First response", "#111111", [1, 0, 0, 0]),
        ("On-site arrival", "#222222", [2, 0, 0, 0]),
        ("Restore (workaround)", "#333333", [1, 1, 0, 0]),
        ("Resolution", "#444444", [0, 3, 0, 0]),
    ]
    svg = str(stacked_bars(["P1", "P2", "P3", "P4"], series, title="Breaches"))
    for name, _, _ in series:
        assert f">{name}</text>" in svg
    # The second row sits 14 units lower and the drawing grew by as much.
    assert 'viewBox="0 0 440 234"' in svg
    assert '<rect x="44" y="20" width="10" height="10" fill="#444444"/>' in svg


def test_the_dashboard_chart_leaves_out_metrics_without_breaches(clock, settings):
    """June has breaches of first response, on site and restore, none of resolution."""
    settings.TIME_ZONE = "UTC"
    june_month(clock)
    svg = str(portfolio(now=ny(2025, 6, 30, 19))["charts"]["breaches"])
    assert ">First response</text>" in svg and ">Restore (workaround)</text>" in svg
    assert ">Resolution</text>" not in svg


def test_the_dashboard_is_in_the_desk_navigation_and_names_the_viewers_zone(clock, settings):
    """An agent in Shanghai sees the dashboard link (current page) and "as of" in Shanghai
    time with the zone named, not UTC and not "CST"."""
    settings.TIME_ZONE = "UTC"
    w = world(code="acme")
    StaffProfile.objects.update_or_create(
        user=w.agent, defaults={"role": StaffRole.AGENT_L1, "timezone": "Asia/Shanghai"}
    )
    clock.at(ny(2025, 7, 3, 11))  # 15:00 UTC = 23:00 in Shanghai
    c = Client()
    c.force_login(w.agent)
    html = c.get("/reports/dashboard/").content.decode()
    assert '<a href="/reports/dashboard/" aria-current="page">Dashboard</a>' in html
    assert "2025-07-03 23:00 Asia/Shanghai (UTC+08:00)" in html
    assert "CST" not in html
    queue = c.get("/desk/").content.decode()
    assert '<a href="/reports/dashboard/">Dashboard</a>' in queue
