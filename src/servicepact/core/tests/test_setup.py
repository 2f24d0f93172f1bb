"""First run: `servicepact migrate` right after `make install` must not need a `var/` folder."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from servicepact.__main__ import ensure_database_dir


def test_the_sqlite_folder_is_created(tmp_path):
    """A SQLite path in a missing folder: the folder (and its parents) appear."""
    name = tmp_path / "a" / "var" / "servicepact.sqlite3"
    folder = ensure_database_dir({"ENGINE": "django.db.backends.sqlite3", "NAME": str(name)})
    assert folder == name.parent and folder.is_dir()
    assert not name.exists()  # the database itself is migrate's job


def test_nothing_is_created_for_postgresql_or_memory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    pg = {"ENGINE": "django.db.backends.postgresql", "NAME": "var/sp"}
    assert ensure_database_dir(pg) is None
    memory = {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}
    assert ensure_database_dir(memory) is None
    assert list(tmp_path.iterdir()) == []


def test_the_servicepact_command_creates_var_in_a_fresh_checkout(tmp_path):
    """`servicepact check` in an empty folder with the default database: `var/` exists after."""
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "SERVICEPACT_VAR_DIR"}}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    done = subprocess.run(
        [sys.executable, "-m", "servicepact", "check"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert (Path(tmp_path) / "var").is_dir()
