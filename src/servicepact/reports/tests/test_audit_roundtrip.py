"""The audit export is exactly the input of ``servicepact sla batch``, and recomputing it
gives the statement's compliance figures."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections import Counter

import pytest

from servicepact.billing.testing import june_month, ny
from servicepact.contracts.services import set_target
from servicepact.reports.audit import HEADER, audit_export
from servicepact.reports.statement import build_statement
from servicepact.slaclock.cli import main as sla
from servicepact.tickets import services as ts
from servicepact.tickets.testing import always_calendar, world

pytestmark = pytest.mark.django_db


def recompute(zip_bytes: bytes, tmp_path) -> tuple[Counter, dict]:
    """Unzip, run ``sla batch`` on every (calendar, clocks) pair; count met / breached per
    metric from the engine's output."""
    archive = zipfile.ZipFile(io.BytesIO(zip_bytes))
    archive.extractall(tmp_path)
    events = json.loads(archive.read("events.json"))
    counts: Counter = Counter()
    for entry in events["files"]:
        out = tmp_path / f"out-{entry['clocks']}"
        code = sla(
            ["batch", "--calendar", str(tmp_path / entry["calendar"]),
             "--input", str(tmp_path / entry["clocks"]), "--output", str(out)]
        )  # fmt: skip
        assert code == 0
        for row in csv.DictReader(out.open()):
            metric = row["id"].split("/")[1]
            counts[(metric, {"true": "breached", "false": "met"}[row["breached"]])] += 1
    return counts, events


def statement_counts(snapshot) -> Counter:
    counts: Counter = Counter()
    for m in snapshot["compliance"]["by_metric"]:
        counts[(m["metric"], "met")] += m["met"]
        counts[(m["metric"], "breached")] += m["breached"]
    return +counts


def test_june_round_trip_gives_the_statements_figures(clock, tmp_path):
    """One calendar: calendar-acme-hours.json + clocks.csv with the batch header; the
    engine's CLI recomputes 13 met and 5 breached, metric by metric as in the statement."""
    june = june_month(clock)
    snapshot = build_statement(june.contract, "2025-06", now=ny(2025, 7, 1, 12))
    data = audit_export(june.contract, "2025-06", now=ny(2025, 7, 1, 12))
    names = sorted(zipfile.ZipFile(io.BytesIO(data)).namelist())
    assert names == [
        "README.txt", "availability.json", "calendar-acme-hours.json", "clocks.csv",
        "credits.json", "events.json", "hours.json", "kpis.json", "statement.json",
    ]  # fmt: skip
    counts, events = recompute(data, tmp_path)
    assert counts == statement_counts(snapshot)
    assert (sum(v for (_, k), v in counts.items() if k == "met"), events["totals"]) == (
        13,
        {"met": 13, "breached": 5},
    )
    lines = (tmp_path / "clocks.csv").read_text().splitlines()
    assert lines[0] == ",".join(HEADER)
    t3 = june.tickets["T3"].number
    assert (
        f"{t3}/resolution,2025-06-04T16:00:00-04:00,480,2025-06-05T16:00:00-04:00,2025-06-04T17:00:00-04:00/2025-06-05T11:00:00-04:00"
        in lines
    )
    clock_json = next(c for c in events["clocks"] if c["id"] == f"{t3}/resolution")
    assert [e["clock"] for e in clock_json["events"]] == [
        "start", None, "pause", "resume", None, "stop",
    ]  # fmt: skip
    assert clock_json["result"] == {
        "elapsed_seconds": 21600,
        "breached": False,
        "breached_at": None,
    }


def test_two_calendars_give_two_inputs_and_the_same_figures(clock, tmp_path):
    """P1 first response measured 24x7, everything else on business hours: two calendar
    files and two CSVs; their batch results add up to the statement's figures."""
    clock.at(ny(2025, 6, 1))
    w = world()
    set_target(
        version=w.contract.versions.get(),
        priority=1,
        metric="first_response",
        target_minutes=30,
        calendar=always_calendar(),
    )
    clock.at(ny(2025, 6, 7, 12))  # a Saturday: 24x7 counts, business hours do not
    t = ts.open_ticket(customer=w.customer, asset=w.asset, subject="Down", impact=1, urgency=1)
    clock.at(ny(2025, 6, 7, 13))
    ts.acknowledge_ticket(ticket=t, actor=w.agent)  # 60 min 24x7: breached
    clock.at(ny(2025, 6, 9, 10))
    ts.record_onsite_arrival(ticket=t, actor=w.agent)  # 60 business min: met
    ts.resolve_ticket(ticket=t, actor=w.agent)  # restore and resolution 60: met
    snapshot = build_statement(w.contract, "2025-06", now=ny(2025, 7, 1, 12))
    data = audit_export(w.contract, "2025-06", now=ny(2025, 7, 1, 12))
    names = sorted(zipfile.ZipFile(io.BytesIO(data)).namelist())
    assert names == [
        "README.txt", "availability.json", "calendar-24x7.json", "calendar-acme-hours.json",
        "clocks-24x7.csv", "clocks-acme-hours.csv", "credits.json", "events.json", "hours.json",
        "kpis.json", "statement.json",
    ]  # fmt: skip
    counts, _ = recompute(data, tmp_path)
    assert counts == statement_counts(snapshot) == Counter(
        {("first_response", "breached"): 1, ("on_site", "met"): 1, ("restore", "met"): 1,
         ("resolution", "met"): 1}
    )  # fmt: skip
