"""Fixtures of the inbound e-mail tests: real MIME samples, a real Dovecot IMAP server, customers.

``dovecot``: Debian's Dovecot (``dovecot-imapd``) started once per session on a free loopback
port with a throw-away configuration (a static password, maildirs in a temporary folder,
plain IMAP on 127.0.0.1 only). Each test logs in as its own user, so each has an empty
mailbox. Without Dovecot the tests that need it are skipped, except under CI (``CI`` set),
where they fail: ``.ci/run`` installs it.
"""

from __future__ import annotations

import grp
import imaplib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from servicepact.customers.models import Contact
from servicepact.tickets.testing import World, world

MIME = Path(__file__).parent / "fixtures" / "mime"
DOVECOT = "/usr/sbin/dovecot"
PASSWORD = "imap-test-password"


def mime(name: str, *, ticket: Any = None, notification: int = 0, **replace: str) -> bytes:
    """A sample message with its placeholders filled and CRLF line ends, as on the wire."""
    text = (MIME / name).read_text(encoding="utf-8")
    if ticket is not None:
        text = text.replace("%%NUMBER%%", ticket.number).replace("%%TICKET_ID%%", str(ticket.pk))
    text = text.replace("%%NOTIFICATION_ID%%", str(notification))
    for old, new in replace.items():
        text = text.replace(old, new)
    return text.replace("\r\n", "\n").replace("\n", "\r\n").encode("utf-8")


@pytest.fixture(autouse=True)
def _provider_mail(settings: Any) -> None:
    """Our Message-IDs end in @provider.example; we send from support@provider.example."""
    settings.SERVICEPACT_MAIL_DOMAIN = "provider.example"
    settings.DEFAULT_FROM_EMAIL = "ServicePact <support@provider.example>"


@pytest.fixture
def acme(db: Any) -> World:
    """Acme with the contacts whose addresses the samples use."""
    w = world(code="acme")
    w.contact.email = "john.smith@acme.example"
    w.contact.save()
    for name, address in (
        ("Maria Garcia", "maria.garcia@acme.example"),
        ("Jane Doe", "jane.doe@acme.example"),
        ("Wei Li", "wei.li@acme.example"),
    ):
        Contact.objects.create(customer=w.customer, name=name, email=address)
    return w


@pytest.fixture
def globex(db: Any) -> World:
    w = world(code="globex", tz="Asia/Shanghai")
    w.contact.email = "wang.zhe@globex.example"
    w.contact.save()
    return w


# ---------------------------------------------------------------- Dovecot


@dataclass
class Imap:
    """A throw-away IMAP account on the running Dovecot."""

    port: int
    user: str
    password: str = PASSWORD

    def client(self) -> imaplib.IMAP4:
        client = imaplib.IMAP4("127.0.0.1", self.port, timeout=10)
        client.login(self.user, self.password)
        return client

    def append(self, raw: bytes, folder: str = "INBOX") -> None:
        client = self.client()
        try:
            status, data = client.append(folder, None, None, raw)
            assert status == "OK", data
        finally:
            client.logout()

    def flags(self, folder: str = "INBOX") -> dict[int, str]:
        """UID -> its FLAGS, as the server stores them."""
        client = self.client()
        try:
            client.select(folder)
            _status, data = client.uid("FETCH", "1:*", "(FLAGS)")
            found = {}
            for item in data:
                if isinstance(item, bytes) and b"UID" in item:
                    text = item.decode()
                    uid = int(text.split("UID ")[1].split()[0].rstrip(")"))
                    found[uid] = text.split("FLAGS (")[1].split(")")[0]
            return found
        finally:
            client.logout()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _config(base: Path, port: int) -> str:
    """Runs as the current user; as root, as Debian's dovecot/dovenull users (Dovecot refuses
    to run its login processes as root)."""
    if os.geteuid() == 0:
        mail_user = pwd.getpwnam("dovecot")
        internal, login = "dovecot", "dovenull"
    else:
        mail_user = pwd.getpwuid(os.geteuid())
        internal = login = mail_user.pw_name
    for sub in ("mail", "home"):
        (base / sub).mkdir()
        os.chown(base / sub, mail_user.pw_uid, mail_user.pw_gid)
    return f"""
base_dir = {base}/run
state_dir = {base}/state
log_path = {base}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_internal_user = {internal}
default_internal_group = {grp.getgrgid(pwd.getpwnam(internal).pw_gid).gr_name}
default_login_user = {login}
first_valid_uid = {mail_user.pw_uid}
first_valid_gid = {mail_user.pw_gid}
mail_location = maildir:{base}/mail/%u
passdb {{
  driver = static
  args = password={PASSWORD}
}}
userdb {{
  driver = static
  args = uid={mail_user.pw_uid} gid={mail_user.pw_gid} home={base}/home/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
  chroot =
}}
service anvil {{
  chroot =
}}
"""


@pytest.fixture(scope="session")
def dovecot_server() -> Iterator[int]:
    """A Dovecot on a loopback port for the whole session; yields the port."""
    if not os.access(DOVECOT, os.X_OK):
        if os.environ.get("CI"):
            pytest.fail(f"{DOVECOT} is missing: .ci/run installs dovecot-imapd")
        pytest.skip(f"Dovecot is not installed ({DOVECOT}; apt-get install dovecot-imapd)")
    base = Path(tempfile.mkdtemp(prefix="sp-dovecot-"))
    base.chmod(0o755)  # the mail processes run as another user when we are root
    port = _free_port()
    (base / "dovecot.conf").write_text(_config(base, port))
    process = subprocess.Popen(
        [DOVECOT, "-F", "-c", str(base / "dovecot.conf")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                imaplib.IMAP4("127.0.0.1", port, timeout=2).logout()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    log = (
                        (base / "dovecot.log").read_text()
                        if (base / "dovecot.log").exists()
                        else ""
                    )
                    err = process.stderr.read().decode() if process.stderr else ""
                    pytest.fail(f"Dovecot did not start: {err}\n{log}")
                time.sleep(0.1)
        yield port
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def imap(dovecot_server: int, monkeypatch: pytest.MonkeyPatch) -> Imap:
    """An empty account of its own; its password is in $SP_TEST_IMAP_PASSWORD."""
    monkeypatch.setenv("SP_TEST_IMAP_PASSWORD", PASSWORD)
    return Imap(port=dovecot_server, user=f"support-{uuid.uuid4().hex[:10]}")
