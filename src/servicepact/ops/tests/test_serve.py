"""``servicepact serve``: a real gunicorn on loopback, static files collected on the way."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.core.management import call_command
from prometheus_client.parser import text_string_to_metric_families

from servicepact.ops.checks import static_manifest
from servicepact.ops.serving import default_workers
from servicepact.ops.staticfiles import ManifestState, manifest_state

MANIFEST_STORAGE = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fetch(url: str) -> tuple[int, bytes, dict[str, str]]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read(), dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, error.read(), dict(error.headers)


def wait_until_up(proc: subprocess.Popen, url: str, seconds: float = 120) -> None:
    """Polls a real server process that is starting (collectstatic, then gunicorn)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            err = proc.stderr.read() if proc.stderr else ""
            raise AssertionError(f"serve exited with {proc.returncode}: {err}")
        try:
            if fetch(url)[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise AssertionError("serve did not answer in time")


@pytest.mark.slow
def test_serve_on_a_fresh_install_collects_static_files_and_answers(tmp_path):
    """DEBUG=0, a migrated SQLite database and an empty STATIC_ROOT: `servicepact serve` with
    two workers collects static files, then answers the landing page, a hashed static file,
    the login page that links it, the probes and the metrics (summed over both workers); SIGTERM stops it cleanly."""
    env = {
        **os.environ,
        "DEBUG": "0",
        "SERVICEPACT_VAR_DIR": str(tmp_path),
        "STATIC_ROOT": str(tmp_path / "static"),
        "LOG_LEVEL": "WARNING",
    }
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    env.pop("DATABASE_URL", None)
    sp = [sys.executable, "-m", "servicepact"]
    subprocess.run([*sp, "migrate", "-v0"], env=env, check=True, timeout=300)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    proc = subprocess.Popen(
        [*sp, "serve", "--bind", f"127.0.0.1:{port}", "--workers", "2", "--access-log"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_until_up(proc, f"{base}/healthz")
        manifest = json.loads((tmp_path / "static" / "staticfiles.json").read_text())
        css = manifest["paths"]["servicepact/app.css"]
        assert css != "servicepact/app.css"  # hashed name

        assert fetch(f"{base}/")[0] == 200
        status, body, _headers = fetch(f"{base}/login/")
        assert status == 200
        assert f'href="/static/{css}"'.encode() in body
        status, body, headers = fetch(f"{base}/static/{css}")
        assert status == 200 and headers["Content-Type"].startswith("text/css")
        assert "immutable" in headers.get("Cache-Control", "")

        status, body, _headers = fetch(f"{base}/readyz")
        assert status == 503
        assert json.loads(body)["failing"] == ["worker"]

        for _ in range(20):
            assert fetch(f"{base}/healthz")[0] == 200
        status, body, _headers = fetch(f"{base}/metrics")
        assert status == 200
        served = {
            s.labels["route"]: s.value
            for family in text_string_to_metric_families(body.decode())
            for s in family.samples
            if s.name == "servicepact_http_requests_total"
            and s.labels["method"] == "GET"
            and s.labels["status"] == "200"
            and s.labels["route"] in ("healthz", "home")
        }
        # wait_until_up's probes also count: at least the 20, from whichever worker.
        assert served["healthz"] >= 21 and served["home"] == 1
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            _out, err = proc.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            raise
    assert proc.returncode == 0, err
    assert "collecting static files" in err
    assert "Booting worker" in err
    # The access log line carries the request id gunicorn saw in the response.
    assert any('"GET /healthz HTTP/1.1" 200' in line and "id=" in line for line in err.splitlines())


def test_the_system_check_names_collectstatic_when_the_manifest_is_missing(settings, tmp_path):
    settings.DEBUG = False
    settings.STATIC_ROOT = tmp_path / "static"
    settings.STORAGES = MANIFEST_STORAGE
    (error,) = static_manifest()
    assert error.id == "servicepact.E001"
    assert "servicepact collectstatic" in error.hint
    assert str(tmp_path / "static" / "staticfiles.json") in error.msg
    settings.DEBUG = True
    assert static_manifest() == []


def test_the_manifest_is_missing_then_fresh_then_stale(settings, tmp_path):
    """A source file modified after collecting makes the manifest stale."""
    source = tmp_path / "src"
    source.mkdir()
    (source / "site.css").write_text("body { color: black }")
    settings.STATICFILES_DIRS = [source]
    settings.INSTALLED_APPS = [a for a in settings.INSTALLED_APPS if "admin" not in a]
    settings.STATIC_ROOT = tmp_path / "static"
    settings.STORAGES = MANIFEST_STORAGE
    assert manifest_state() == ManifestState.MISSING
    call_command("collectstatic", "--noinput", verbosity=0)
    assert manifest_state() == ManifestState.FRESH
    assert static_manifest() == []
    later = (tmp_path / "static" / "staticfiles.json").stat().st_mtime + 10
    os.utime(source / "site.css", (later, later))
    assert manifest_state() == ManifestState.STALE


def test_plain_storage_needs_no_manifest():
    """The tests' storage (and DEBUG=1's) is the plain one: nothing to collect."""
    assert manifest_state() == ManifestState.NOT_USED


def test_a_wsgi_server_refuses_to_start_without_the_manifest(tmp_path):
    """`gunicorn servicepact.wsgi` (not through serve) with DEBUG=0 and nothing collected: the
    import fails naming the command to run, instead of a 500 on every page."""
    env = {**os.environ, "DEBUG": "0", "SERVICEPACT_VAR_DIR": str(tmp_path)}
    env.pop("STATIC_ROOT", None)
    done = subprocess.run(
        [sys.executable, "-c", "import servicepact.wsgi"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode != 0
    assert "servicepact.E001" in done.stderr
    assert "servicepact collectstatic" in done.stderr


def test_default_workers_follow_the_cores_with_a_cap():
    assert [default_workers(n) for n in (1, 2, 4, 5, 6, 64)] == [3, 5, 9, 11, 12, 12]


def test_serve_rejects_a_bad_worker_count(tmp_path):
    env = {**os.environ, "WEB_CONCURRENCY": "many", "SERVICEPACT_VAR_DIR": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-m", "servicepact", "serve", "--no-collectstatic"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1
    assert "WEB_CONCURRENCY: 'many' is not a positive integer" in done.stderr
    assert not Path(tmp_path / "static").exists()
