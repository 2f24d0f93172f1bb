"""deploy/systemd: the units parse cleanly (`systemd-analyze verify`) and start our commands."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
UNITS = ROOT / "deploy" / "systemd"
BINARY = "/srv/servicepact/.venv/bin/servicepact"


def exec_start(name: str) -> str:
    (line,) = [x for x in (UNITS / name).read_text().splitlines() if x.startswith("ExecStart=")]
    return line.removeprefix("ExecStart=")


def test_the_units_run_serve_and_worker():
    assert exec_start("servicepact-web.service") == f"{BINARY} serve"
    assert exec_start("servicepact-worker@.service") == f"{BINARY} worker"
    for name in ("servicepact-web.service", "servicepact-worker@.service"):
        text = (UNITS / name).read_text()
        assert "EnvironmentFile=/etc/servicepact/servicepact.env" in text
        assert "PartOf=servicepact.target" in text


def test_the_env_example_sets_only_documented_variables():
    """Every variable of deploy/servicepact.env.example is in README's Configuration table."""
    readme = (ROOT / "README.md").read_text()
    example = (ROOT / "deploy" / "servicepact.env.example").read_text()
    names = re.findall(r"^#? ?([A-Z][A-Z0-9_]+)=", example, flags=re.M)
    assert "DATABASE_URL" in names and "SERVICEPACT_BEHIND_PROXY" in names
    missing = [n for n in names if f"`{n}`" not in readme]
    assert not missing, missing


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze missing")
def test_systemd_analyze_verify_reports_nothing(tmp_path):
    """Copies with the binary pointed at /bin/true (verify checks that it exists)."""
    for unit in UNITS.iterdir():
        (tmp_path / unit.name).write_text(unit.read_text().replace(BINARY, "/bin/true"))
    (tmp_path / "servicepact-worker@1.service").symlink_to(tmp_path / "servicepact-worker@.service")
    done = subprocess.run(
        ["systemd-analyze", "verify", "--man=no",
         *(str(tmp_path / n) for n in ("servicepact-web.service", "servicepact-worker@1.service", "servicepact.target"))],
        capture_output=True, text=True, timeout=60, cwd=tmp_path,
        env={**os.environ, "SYSTEMD_UNIT_PATH": f"{tmp_path}:"},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stderr.strip() == "", done.stderr
