"""The hours ledger and the month's charge in the audit export (``hours.json``), and
``servicepact audit verify`` recomputing them: balances, the closed month adding up to zero,
consumed and extra hours from the work logs, the charge's total from its lines."""

from __future__ import annotations

import json
import zipfile
from datetime import date
from pathlib import Path

import pytest

from servicepact.__main__ import main as servicepact
from servicepact.billing.commercial import adjust_hours, close_month_charges
from servicepact.billing.periods import Period
from servicepact.billing.services import log_work
from servicepact.billing.testing_commerce import shop
from servicepact.core.testing import ny
from servicepact.reports.audit import audit_export

pytestmark = pytest.mark.django_db
NOW = ny(2025, 7, 2, 12)


def june_with_charge(clock):
    """12 h of included work on 10 h (2 h overage), 1 h app-dev (billable extra), 30 min
    not billable, a project adjustment of +3 h; the charge produced."""
    s = shop(clock, rollover=1)
    clock.at(ny(2025, 6, 30, 20))
    agent = s.world.agent
    for day in (2, 3, 4):
        log_work(ticket=s.ticket, user=agent, minutes=240, day=date(2025, 6, day))
    log_work(ticket=s.ticket, user=agent, minutes=60, day=date(2025, 6, 5), category="app-dev")
    log_work(ticket=s.ticket, user=agent, minutes=30, day=date(2025, 6, 6), billable=False)
    adjust_hours(contract=s.contract, period=Period(2025, 6), hours="3", bucket="project",
                 reason="kick-off", actor=s.manager)  # fmt: skip
    clock.at(ny(2025, 7, 1, 9))
    close_month_charges(contracts=[s.contract], period=Period(2025, 6))
    clock.at(NOW)
    return s


def export(tmp_path: Path, s) -> Path:
    path = tmp_path / "audit.zip"
    path.write_bytes(audit_export(s.contract, "2025-06", now=NOW))
    return path


def run(capsys, path: Path) -> tuple[int, str]:
    code = servicepact(["servicepact", "audit", "verify", str(path)])
    return code, capsys.readouterr().out


def line(out: str, name: str) -> list[str]:
    found = [row for row in out.splitlines() if row.startswith(name + " ")]
    assert len(found) == 1, (name, out)
    return found[0].split()


def test_the_ledger_and_the_charge_are_in_the_export_and_verify(clock, tmp_path, capsys):
    s = june_with_charge(clock)
    path = export(tmp_path, s)
    data = json.loads(zipfile.ZipFile(path).read("hours.json"))
    kinds = [(e["bucket"], e["kind"], e["hours"]) for e in data["entries"]]
    assert ("maintenance", "included", "10.00") in kinds
    assert ("maintenance", "overage", "2.00") in kinds
    assert ("project", "adjusted", "3.00") in kinds
    assert data["balances"] == {"maintenance": "0.00", "project": "3.00"}
    assert data["charge"]["total"] == "3300.00"
    assert len(data["work"]) == 5 and data["scope"]["app-dev"] == "billable"
    code, out = run(capsys, path)
    assert code == 0, out
    assert line(out, "hours balance project")[-3:] == ["3.00", "3.00", "ok"]
    assert line(out, "hours consumed")[-3:] == ["12.00", "12.00", "ok"]
    assert line(out, "hours extra work")[-3:] == ["1.00", "1.00", "ok"]
    assert line(out, "hours overage")[-3:] == ["2.00", "2.00", "ok"]
    assert line(out, "hours month maintenance entries sum")[-1] == "ok"
    assert line(out, "hours ledger consumed")[-3:] == ["12.00", "12.00", "ok"]
    assert line(out, "charge total")[-3:] == ["3300.00", "3300.00", "ok"]


def rewrite(path: Path, change) -> Path:
    source = zipfile.ZipFile(path)
    out = path.with_name("tampered.zip")
    with zipfile.ZipFile(out, "w") as target:
        for item in source.namelist():
            data = source.read(item)
            if item == "hours.json":
                data = json.dumps(change(json.loads(data))).encode()
            target.writestr(item, data)
    return out


def test_tampered_work_or_charge_lines_are_named(clock, tmp_path, capsys):
    """A log made 60 minutes longer: consumed hours differ; a line inflated: the total."""
    path = export(tmp_path, june_with_charge(clock))

    def longer(data):
        data["work"][0]["minutes"] += 60
        return data

    code, out = run(capsys, rewrite(path, longer))
    assert code == 1
    assert line(out, "hours consumed")[-3:] == ["13.00", "12.00", "DIFFERS"]

    def inflated(data):
        data["charge"]["lines"][0]["amount"] = "3100.00"
        return data

    code, out = run(capsys, rewrite(path, inflated))
    assert code == 1
    assert line(out, "charge total")[-3:] == ["3400.00", "3300.00", "DIFFERS"]


def test_a_month_without_a_charge_checks_the_balances_only(clock, tmp_path, capsys):
    """Negative case: no charge produced yet: no charge figure, the balances still checked."""
    s = shop(clock)
    clock.at(ny(2025, 6, 30, 20))
    log_work(ticket=s.ticket, user=s.world.agent, minutes=60, day=date(2025, 6, 2))
    path = export(tmp_path, s)
    data = json.loads(zipfile.ZipFile(path).read("hours.json"))
    assert data["charge"] is None and data["entries"] == [] and data["balances"] == {}
    code, out = run(capsys, path)
    assert code == 0, out
    assert "charge total" not in out
