"""Log lines: time and level always, JSON with LOG_FORMAT=json, the request id in both."""

from __future__ import annotations

import json
import logging
import os
import re
import subprocess
import sys
import textwrap

import pytest
from django.test import Client

from servicepact.core.logs import JsonFormatter, PlainFormatter, RequestIdFilter


@pytest.fixture
def captured():
    """A handler on ``django.request`` with the project's filter; yields its records."""
    records: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    handler = Keep()
    handler.addFilter(RequestIdFilter())
    logger = logging.getLogger("django.request")
    logger.addHandler(handler)
    yield records
    logger.removeHandler(handler)


@pytest.mark.django_db
def test_a_sane_incoming_request_id_is_kept_and_logged(captured):
    """Django's "Not Found" line for the request carries the id nginx sent."""
    response = Client().get("/no-such-page", HTTP_X_REQUEST_ID="edge-7f3a:01")
    assert response.status_code == 404
    assert response["X-Request-ID"] == "edge-7f3a:01"
    assert [(r.getMessage(), r.request_id) for r in captured] == [
        ("Not Found: /no-such-page", "edge-7f3a:01")
    ]


@pytest.mark.django_db
@pytest.mark.parametrize("incoming", ["", "has space", "x" * 129, "semi;colon", "ünï"])
def test_an_absent_or_odd_request_id_is_replaced(incoming, captured):
    response = Client().get("/no-such-page", HTTP_X_REQUEST_ID=incoming)
    generated = response["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", generated)
    assert captured[0].request_id == generated


@pytest.mark.django_db
def test_each_request_gets_its_own_id_and_none_leaks_after_it(captured):
    first = Client().get("/healthz")["X-Request-ID"]
    second = Client().get("/healthz")["X-Request-ID"]
    assert first != second
    logging.getLogger("django.request").warning("outside any request")
    assert captured[-1].request_id is None


def record(message: str, request_id: str | None, exc: bool = False) -> logging.LogRecord:
    exc_info = None
    if exc:
        try:
            raise ValueError("boom")
        except ValueError:
            exc_info = sys.exc_info()
    r = logging.LogRecord("servicepact.worker", logging.ERROR, __file__, 1, message, (), exc_info)
    r.created = 1764915217.5  # 2025-12-05T06:13:37.500Z
    r.request_id = request_id
    return r


def test_plain_lines_carry_time_level_logger_and_request_id():
    assert PlainFormatter().format(record("pass failed", "abc")) == (
        "2025-12-05T06:13:37.500Z ERROR servicepact.worker [abc] pass failed"
    )
    assert PlainFormatter().format(record("pass failed", None)) == (
        "2025-12-05T06:13:37.500Z ERROR servicepact.worker [-] pass failed"
    )


def test_json_lines_are_one_object_each():
    line = JsonFormatter().format(record("pass failed: 工单", "abc", exc=True))
    assert "\n" not in line
    entry = json.loads(line)
    assert entry.pop("exc_info").endswith("ValueError: boom")
    assert entry == {
        "time": "2025-12-05T06:13:37.500Z",
        "level": "ERROR",
        "logger": "servicepact.worker",
        "message": "pass failed: 工单",
        "request_id": "abc",
    }


SCRIPT = textwrap.dedent("""
    import os, django
    os.environ["DJANGO_SETTINGS_MODULE"] = "servicepact.settings"
    django.setup()
    import logging
    from django.test import Client
    logging.getLogger("servicepact.worker").warning("outside")
    Client().get("/no-such-page", HTTP_X_REQUEST_ID="req-42")
""")


@pytest.mark.parametrize("fmt", ["json", "plain"])
def test_the_settings_wire_the_format_from_the_environment(fmt, tmp_path):
    """A process started with LOG_FORMAT=json writes JSON lines to stderr; without it, plain
    lines; both with the request id of the request being served."""
    env = {
        **os.environ,
        "LOG_FORMAT": fmt,
        "SERVICEPACT_VAR_DIR": str(tmp_path),
        "SERVICEPACT_MANIFEST_STATIC": "0",
    }
    done = subprocess.run(
        [sys.executable, "-W", "ignore", "-c", SCRIPT],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stderr.strip().splitlines()
    if fmt == "json":
        entries = [json.loads(line) for line in lines]
        assert [(e["level"], e["logger"], e["message"], e["request_id"]) for e in entries] == [
            ("WARNING", "servicepact.worker", "outside", None),
            ("WARNING", "django.request", "Not Found: /no-such-page", "req-42"),
        ]
    else:
        time = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z "
        assert re.fullmatch(time + r"WARNING servicepact\.worker \[-\] outside", lines[0])
        assert re.fullmatch(
            time + r"WARNING django\.request \[req-42\] Not Found: /no-such-page", lines[1]
        )
