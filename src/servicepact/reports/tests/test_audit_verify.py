"""``servicepact audit verify``: a realistic month's export recomputes to the statement's
every figure with no database, and a tampered figure is named (exit 1)."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from decimal import Decimal as D
from pathlib import Path

import pytest

from servicepact.__main__ import main as servicepact
from servicepact.billing.services import flag_force_majeure
from servicepact.billing.testing import june_month, ny
from servicepact.changes.services import approve_change, request_change
from servicepact.contracts.models import KpiCommitment
from servicepact.monitoring.measurements import record_measurement
from servicepact.monitoring.services import record_outage
from servicepact.reports.audit import audit_export
from servicepact.reports.statement import build_statement

pytestmark = pytest.mark.django_db
SRC = Path(__file__).resolve().parents[3]
NOW = ny(2025, 7, 1, 12)


def busy_june(clock, calendar: str = "24x7"):
    """The June fixture (5 breaches, T4 force majeure) with a 20 % cap, an availability
    commitment of 99.95 % and an RTO commitment with two measurements, and downtime on the
    asset: 10 June 09:00-19:00 unplanned, an overlapping 18:00-20:00 (counted once), a
    flagged force-majeure period 17:00-19:00, and on 20 June an approved maintenance window
    01:00-03:00 with a reboot inside it and an outage running 15 min past its end."""
    june = june_month(clock, cap="20")
    v1 = june.contract.versions.get(number=1)
    KpiCommitment.objects.create(
        contract_version=v1, kind="availability", target=D("99.95"), measurement_calendar=calendar
    )
    KpiCommitment.objects.create(contract_version=v1, kind="rto", target=D("240"))
    for day, minutes in ((10, 180), (20, 300)):
        record_measurement(
            contract=june.contract, kind="rto", value=minutes, measured_at=ny(2025, 6, day, 12)
        )
    w = june.world
    change = request_change(
        customer=w.customer,
        title="Firmware update",
        assets=[w.asset],
        planned_start=ny(2025, 6, 20, 1),
        planned_end=ny(2025, 6, 20, 3),
        actor=w.contact.user,
    )
    approve_change(change=change, actor=w.contact.user)
    for start, end, reason in (
        (ny(2025, 6, 10, 9), ny(2025, 6, 10, 19), "PSU failure"),
        (ny(2025, 6, 10, 18), ny(2025, 6, 10, 20), "network"),
        (ny(2025, 6, 20, 1, 30), ny(2025, 6, 20, 2, 30), "firmware reboot"),
        (ny(2025, 6, 20, 2, 45), ny(2025, 6, 20, 3, 15), "slow boot"),
    ):
        record_outage(asset=w.asset, started_at=start, ended_at=end, reason=reason)
    flag_force_majeure(
        contract=june.contract,
        actor=june.manager,
        reason="Grid failure",
        starts_at=ny(2025, 6, 10, 17),
        ends_at=ny(2025, 6, 10, 19),
    )
    return june


def export_to(tmp_path: Path, june) -> Path:
    path = tmp_path / "audit-ACME-1-2025-06.zip"
    path.write_bytes(audit_export(june.contract, "2025-06", now=NOW))
    return path


def verify(capsys, path: Path) -> tuple[int, str, str]:
    code = servicepact(["servicepact", "audit", "verify", str(path)])
    out, err = capsys.readouterr()
    return code, out, err


def line(out: str, name: str) -> list[str]:
    found = [row for row in out.splitlines() if row.startswith(name + " ")]
    assert len(found) == 1, (name, out)
    return found[0].split()


def test_the_statement_is_recomputed_from_the_export_alone(clock, tmp_path, capsys):
    """Every figure matches, and the figures that matter are there with their values:
    unplanned 10 h + 1 h (overlap) + 15 min = 40,500 s of 2,592,000 -> 98.4375 %; planned
    1 h 15 min; force majeure 2 h -> credited 98.7153 % (tier <99: 25 %); breaches 4.5 %;
    29.5 % capped at 20 % = 600.00 of the 3,000 fee."""
    june = busy_june(clock)
    snapshot = build_statement(june.contract, "2025-06", now=NOW)
    assert snapshot["availability"]["percent"] == "98.4375"  # the fixture is what we say
    assert snapshot["credits"]["amount"] == "600.00"
    code, out, err = verify(capsys, export_to(tmp_path, june))
    assert (code, err) == (0, ""), out
    assert "DIFFERS" not in out
    assert out.rstrip().endswith(" figures, 0 differ")
    assert line(out, "availability unplanned seconds")[-3:] == ["40500", "40500", "ok"]
    assert line(out, "availability planned seconds")[-3:] == ["4500", "4500", "ok"]
    assert line(out, "availability %")[-3:] == ["98.4375", "98.4375", "ok"]
    assert line(out, "availability force majeure seconds")[-3:] == ["7200", "7200", "ok"]
    assert line(out, "availability credited %")[-3:] == ["98.7153", "98.7153", "ok"]
    assert line(out, "credit availability amount")[-3:] == ["750.00", "750.00", "ok"]
    assert line(out, "credit cap amount")[-3:] == ["-285.00", "-285.00", "ok"]
    assert line(out, "credits amount (capped)")[-3:] == ["600.00", "600.00", "ok"]
    assert line(out, "compliance on_site P1 met/total")[-3:] == ["1/3", "1/3", "ok"]
    assert line(out, "compliance overall %")[-3:] == ["72.22", "72.22", "ok"]
    assert line(out, "kpi rto missed")[-3:] == ["1", "1", "ok"]
    assert line(out, "breaches")[-3:] == ["5", "5", "ok"]


def test_coverage_measurement_is_recomputed_with_the_exported_calendar(clock, tmp_path, capsys):
    """On the "coverage" rule only the plan's open hours count (Mon-Fri 09:00-18:00 New
    York): the export carries the calendar and verify still finds no difference."""
    june = busy_june(clock, calendar="coverage")
    path = export_to(tmp_path, june)
    names = zipfile.ZipFile(path).namelist()
    assert "coverage-america-new_york.json" in names
    code, out, _ = verify(capsys, path)
    assert code == 0, out
    # 21 working days x 9 h; downtime only 10 June 09:00-18:00 (the other parts are closed)
    assert line(out, "availability measured seconds")[-3:] == ["680400", "680400", "ok"]
    assert line(out, "availability unplanned seconds")[-3:] == ["32400", "32400", "ok"]


def rewrite(path: Path, name: str, change) -> Path:
    """A copy of the export with one file changed."""
    source = zipfile.ZipFile(path)
    out = path.with_name("tampered.zip")
    with zipfile.ZipFile(out, "w") as target:
        for item in source.namelist():
            data = source.read(item)
            if item == name:
                data = change(data.decode()).encode()
            target.writestr(item, data)
    return out


def test_a_tampered_statement_figure_is_named(clock, tmp_path, capsys):
    """The statement says 650.00 where the rules give 600.00: exit 1, that line differs."""
    path = export_to(tmp_path, busy_june(clock))

    def inflate(text: str) -> str:
        data = json.loads(text)
        assert data["credits"]["amount"] == "600.00"
        data["credits"]["amount"] = "650.00"
        return json.dumps(data)

    code, out, _ = verify(capsys, rewrite(path, "statement.json", inflate))
    assert code == 1
    assert line(out, "credits amount (capped)")[-3:] == ["600.00", "650.00", "DIFFERS"]
    assert [row.split()[0:3] for row in out.splitlines() if row.endswith("DIFFERS")] == [
        ["credits", "amount", "(capped)"]
    ]
    assert out.rstrip().endswith(" figures, 1 differs")


def test_tampered_data_changes_the_recomputed_figures(clock, tmp_path, capsys):
    """An outage shortened in the data (10 June ends at 18:00, not 19:00): the overlap rule
    still counts 18:00-20:00 once, so unplanned time is unchanged, but the first slice is an
    hour shorter and the second starts an hour earlier and is an hour longer: those three
    slice lines differ, exit 1."""
    path = export_to(tmp_path, busy_june(clock))

    def shorten(text: str) -> str:
        data = json.loads(text)
        first = data["outages"][0]
        assert first["end"] == "2025-06-10T23:00:00+00:00"
        first["end"] = "2025-06-10T22:00:00+00:00"
        return json.dumps(data)

    code, out, _ = verify(capsys, rewrite(path, "availability.json", shorten))
    assert code == 1
    assert line(out, "availability unplanned seconds")[-1] == "ok"
    differs = [row for row in out.splitlines() if row.endswith("DIFFERS")]
    assert [row.split()[-4:] for row in differs] == [
        ["seconds", "32400", "36000", "DIFFERS"],
        ["seconds", "7200", "3600", "DIFFERS"],
        ["start", "2025-06-10T22:00:00+00:00", "2025-06-10T23:00:00+00:00", "DIFFERS"],
    ]


def test_a_bad_file_exits_2(tmp_path, capsys):
    junk = tmp_path / "junk.zip"
    junk.write_text("not a zip")
    code, out, err = verify(capsys, junk)
    assert (code, out) == (2, "")
    assert f"audit verify: {junk}: not a readable zip file" in err
    empty = tmp_path / "empty.zip"
    with zipfile.ZipFile(empty, "w") as archive:
        archive.writestr("README.txt", "")
    code, out, err = verify(capsys, empty)
    assert (code, out) == (2, "")
    assert f"audit verify: {empty}: events.json: missing from the export" in err


def test_verify_runs_without_django(clock, tmp_path):
    """Like ``sla batch``: a fresh interpreter runs it and never imports Django."""
    path = export_to(tmp_path, busy_june(clock))
    code = (
        "import sys; from servicepact.__main__ import main; "
        f"rc = main(['servicepact', 'audit', 'verify', {str(path)!r}]); "
        "assert 'django' not in sys.modules, 'django imported'; sys.exit(rc)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(SRC), "PATH": "/usr/bin:/bin"},
        check=False,
    )
    assert result.returncode == 0, result.stderr + result.stdout
    assert result.stdout.rstrip().endswith(" figures, 0 differ")


def test_a_broken_row_in_the_export_exits_2_naming_file_line_and_field(clock, tmp_path, capsys):
    path = export_to(tmp_path, june_month(clock))

    def break_start(text: str) -> str:
        lines = text.splitlines()
        cells = lines[1].split(",")
        cells[1] = "yesterday"
        lines[1] = ",".join(cells)
        return "\n".join(lines) + "\n"

    code, out, err = verify(capsys, rewrite(path, "clocks.csv", break_start))
    assert (code, out) == (2, "")
    assert "audit verify: clocks.csv: clocks.csv:2: start: not an ISO-8601 instant" in err
