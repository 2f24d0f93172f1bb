"""The audit export with rates per role: ``hours.json`` carries each log's role and the rate
card; ``servicepact audit verify`` recomputes the extra-work lines (billing/tests/
test_role_rates.py builds the month)."""

from __future__ import annotations

import json
import zipfile

import pytest

from servicepact.__main__ import main as servicepact
from servicepact.billing.commercial import close_month_charges
from servicepact.billing.periods import Period
from servicepact.billing.tests.test_role_rates import role_month
from servicepact.core.testing import ny
from servicepact.reports.audit import audit_export

pytestmark = pytest.mark.django_db
JUNE = Period(2025, 6)


def test_the_audit_export_lets_the_customer_recompute_the_role_prices(clock, tmp_path, capsys):
    """hours.json carries each log's role and the card; ``audit verify`` recomputes the
    extra work 75 + 300 + 320 + 100 = 795.00; a line repriced at the senior rate for the
    specialist (a double charge of the role) is named."""
    s, _logs = role_month(clock)
    clock.at(ny(2025, 7, 1, 9))
    close_month_charges(contracts=[s.contract], period=JUNE)
    path = tmp_path / "audit.zip"
    path.write_bytes(audit_export(s.contract, "2025-06", now=ny(2025, 7, 2, 12)))
    data = json.loads(zipfile.ZipFile(path).read("hours.json"))
    assert {"work_type": "remote", "role": "senior_engineer", "hourly_rate": "160.00"} in data[
        "rates"
    ]
    assert [w["role"] for w in data["work"]] == ["senior_engineer", "specialist", "", "specialist"]
    assert servicepact(["servicepact", "audit", "verify", str(path)]) == 0
    out = capsys.readouterr().out
    (row,) = [r for r in out.splitlines() if r.startswith("charge extra work ")]
    assert row.split()[-3:] == ["795.00", "795.00", "ok"]

    data["work"][1]["role"] = "senior_engineer"  # the specialist's hour at 160: 855.00
    tampered = tmp_path / "tampered.zip"
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(tampered, "w") as target:
        for item in source.namelist():
            body = json.dumps(data).encode() if item == "hours.json" else source.read(item)
            target.writestr(item, body)
    assert servicepact(["servicepact", "audit", "verify", str(tampered)]) == 1
    out = capsys.readouterr().out
    (row,) = [r for r in out.splitlines() if r.startswith("charge extra work ")]
    assert row.split()[-3:] == ["855.00", "795.00", "DIFFERS"]
