"""deploy/nginx/servicepact.conf: `nginx -t` accepts it, and a real nginx running it in front of
a stand-in upstream forwards what ServicePact relies on.

Needs the nginx binary (CI installs nginx-light; skipped with the reason elsewhere).
"""

from __future__ import annotations

import http.client
import json
import shutil
import socket
import ssl
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

SNIPPET = Path(__file__).resolve().parents[2] / "deploy" / "nginx" / "servicepact.conf"
NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)

pytestmark = pytest.mark.skipif(NGINX is None, reason="nginx is not installed")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def self_signed(tmp: Path) -> tuple[Path, Path]:
    cert, key = tmp / "cert.pem", tmp / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=servicepact.example.com", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    return cert, key


def configure(tmp: Path, *, http_port: int, https_port: int, upstream: int) -> Path:
    """The shipped snippet with only ports, certificate paths and the upstream changed."""
    cert, key = self_signed(tmp)
    text = SNIPPET.read_text()
    replacements = {
        "/etc/letsencrypt/live/servicepact.example.com/fullchain.pem": str(cert),
        "/etc/letsencrypt/live/servicepact.example.com/privkey.pem": str(key),
        "listen 80;": f"listen 127.0.0.1:{http_port};",
        "listen [::]:80;": "",
        "listen 443 ssl http2;": f"listen 127.0.0.1:{https_port} ssl http2;",
        "listen [::]:443 ssl http2;": "",
        "server 127.0.0.1:8000;": f"server 127.0.0.1:{upstream};",
    }
    for old, new in replacements.items():
        assert old in text, old
        text = text.replace(old, new)
    (tmp / "servicepact.conf").write_text(text)
    temp = "\n".join(
        f"  {name}_temp_path {tmp / name};"
        for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    conf = tmp / "nginx.conf"
    conf.write_text(
        f"pid {tmp / 'nginx.pid'};\nerror_log {tmp / 'error.log'};\nuser root;\n"
        "events { worker_connections 64; }\n"
        f"http {{\n  access_log off;\n{temp}\n  include {tmp / 'servicepact.conf'};\n}}\n"
    )
    return conf


def test_nginx_accepts_the_snippet(tmp_path):
    conf = configure(tmp_path, http_port=free_port(), https_port=free_port(), upstream=8000)
    done = subprocess.run(
        [NGINX, "-t", "-p", str(tmp_path), "-c", str(conf), "-e", "stderr"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "test is successful" in done.stderr


class Echo(BaseHTTPRequestHandler):
    """Stands in for `servicepact serve`: answers with the headers it received."""

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        body = json.dumps({"path": self.path, "headers": dict(self.headers), "length": length})
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body.encode())

    do_GET = do_POST = _answer

    def log_message(self, *args: object) -> None:
        pass


def test_a_running_nginx_forwards_https_client_and_request_id(tmp_path):
    upstream = ThreadingHTTPServer(("127.0.0.1", 0), Echo)
    upstream.daemon_threads = True
    threading.Thread(
        target=upstream.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    ).start()
    http_port, https_port = free_port(), free_port()
    conf = configure(
        tmp_path, http_port=http_port, https_port=https_port, upstream=upstream.server_address[1]
    )
    nginx = subprocess.Popen(
        [NGINX, "-p", str(tmp_path), "-c", str(conf), "-e", "stderr", "-g", "daemon off;"],
        stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    context = ssl._create_unverified_context()
    try:
        deadline = time.monotonic() + 30
        while True:  # a real server starting: wait for its port
            try:
                socket.create_connection(("127.0.0.1", https_port), timeout=1).close()
                break
            except OSError:
                assert nginx.poll() is None and time.monotonic() < deadline, nginx.stderr.read()
                time.sleep(0.1)

        def request(method: str, path: str, body: bytes = b"", **headers: str):
            conn = http.client.HTTPSConnection("127.0.0.1", https_port, context=context, timeout=10)
            conn.request(
                method, path, body=body, headers={"Host": "servicepact.example.com", **headers}
            )
            response = conn.getresponse()
            return response.status, response.read()

        status, body = request(
            "GET", "/desk/", **{"X-Forwarded-Proto": "http", "X-Forwarded-For": "6.6.6.6"}
        )
        seen = json.loads(body)["headers"]
        # Overwritten, not trusted from the client.
        assert seen["X-Forwarded-Proto"] == "https"
        assert seen["X-Forwarded-For"] == "127.0.0.1"
        assert seen["Host"] == "servicepact.example.com"
        assert len(seen["X-Request-ID"]) == 32

        assert request("GET", "/metrics")[0] == 404
        status, body = request("POST", "/api/v1/alerts/x", body=b"x" * (11 * 1024 * 1024))
        assert (status, json.loads(body)["length"]) == (200, 11 * 1024 * 1024)
        assert request("POST", "/api/v1/alerts/x", body=b"x" * (13 * 1024 * 1024))[0] == 413

        plain = http.client.HTTPConnection("127.0.0.1", http_port, timeout=10)
        plain.request("GET", "/login/?next=/desk/", headers={"Host": "servicepact.example.com"})
        redirect = plain.getresponse()
        assert redirect.status == 301
        assert (
            redirect.getheader("Location") == "https://servicepact.example.com/login/?next=/desk/"
        )
    finally:
        nginx.terminate()
        nginx.wait(timeout=30)
        upstream.shutdown()
        upstream.server_close()
