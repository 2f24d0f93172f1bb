"""`servicepact check --deploy` is clean under the production environment documented in
docs/security.md, and start-up fails closed without a SECRET_KEY when DEBUG is off.

Each test runs the real command in a fresh process (settings are read at start-up)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

# The environment of docs/security.md "Production settings" (a real key of 50 characters).
PRODUCTION_ENV = {
    "DEBUG": "0",
    "SECRET_KEY": "k" * 20 + "-Zq9!x@3vR#tL7&pW2^mN5*bY8(cH4)fJ6",
    "ALLOWED_HOSTS": "servicepact.example.com",
    "CSRF_TRUSTED_ORIGINS": "https://servicepact.example.com",
    "SERVICEPACT_BEHIND_PROXY": "1",
    "SECURE_SSL_REDIRECT": "1",
    "SECURE_HSTS_SECONDS": "31536000",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS": "1",
    "SECURE_HSTS_PRELOAD": "1",
    "SESSION_COOKIE_SECURE": "1",
    "CSRF_COOKIE_SECURE": "1",
}
SECURITY_VARS = {*PRODUCTION_ENV, "SERVICEPACT_INSECURE_DEV_KEY"}


def run(args: list[str], tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if k not in SECURITY_VARS}
    base["SERVICEPACT_VAR_DIR"] = str(tmp_path)
    return subprocess.run(
        [sys.executable, "-m", "servicepact", *args],
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_check_deploy_reports_nothing_under_the_documented_settings(tmp_path: Path):
    done = run(["check", "--deploy", "--fail-level", "WARNING"], tmp_path, **PRODUCTION_ENV)
    assert (done.returncode, done.stdout.strip()) == (
        0,
        "System check identified no issues (0 silenced).",
    ), done.stderr


def test_check_deploy_names_what_is_missing_without_them(tmp_path: Path):
    """The same check fails when the HTTPS settings are left out (so the test above can fail)."""
    env = {k: PRODUCTION_ENV[k] for k in ("DEBUG", "SECRET_KEY", "ALLOWED_HOSTS")}
    done = run(["check", "--deploy", "--fail-level", "WARNING"], tmp_path, **env)
    assert done.returncode == 1
    for warning in ("security.W004", "security.W008", "security.W012", "security.W016"):
        assert warning in done.stderr


def test_start_up_fails_closed_without_a_secret_key(tmp_path: Path):
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "SECRET_KEY"}
    done = run(["check"], tmp_path, **env)
    assert done.returncode == 1
    assert "ImproperlyConfigured: SECRET_KEY must be set in the environment" in done.stderr
    # Only an explicit DEBUG=1 (development) or the development-key switch lets it start.
    assert run(["check"], tmp_path, DEBUG="1").returncode == 0
