"""IMAP polling (stdlib ``imaplib``), UID-based: ``fetch_mailbox`` and ``fetch_due``.

Per mailbox with an IMAP host:

1. Connect (TLS, STARTTLS, or plain on loopback), log in with the password from the
   environment variable the mailbox names, ``SELECT`` its folder.
2. A changed UIDVALIDITY (the folder was recreated) starts again from UID 0; the
   deduplication key keeps the messages already received from being processed twice.
3. ``UID SEARCH UID <last+1>:*`` -> new UIDs (the server also lists the last message when
   none is new; UIDs at or below ``last_uid`` are dropped). At most ``batch`` per call.
4. For each UID, oldest first: ``UID FETCH (BODY.PEEK[])`` -> ``receive_message`` (committed)
   -> ``UID STORE +FLAGS (\\Seen $ServicePact)`` marks it processed -> ``last_uid`` is stored.
   A crash between two steps re-reads the message next time; the deduplication key answers
   "duplicate" and nothing is created twice.

A failure (network, login, server) is stored on the mailbox (``last_error``) and logged; the
other mailboxes are still polled.
"""

from __future__ import annotations

import contextlib
import imaplib
import logging
import os
import ssl
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeVar

from servicepact.core.config import option
from servicepact.core.time import now as current_time
from servicepact.mail.choices import ImapSecurity, Outcome
from servicepact.mail.models import Mailbox
from servicepact.mail.services import receive_message

logger = logging.getLogger(__name__)

PROCESSED_FLAGS = r"(\Seen $ServicePact)"

_Data = TypeVar("_Data")  # the items of an answer: bytes, bytes | None, ... (typeshed's types)


class ImapError(Exception):
    pass


@dataclass
class FetchReport:
    mailboxes: int = 0
    messages: int = 0
    tickets: int = 0
    comments: int = 0
    other: int = 0  # ignored, triage, failed, duplicates
    errors: int = 0

    def count(self, outcome: str, duplicate: bool) -> None:
        self.messages += 1
        if duplicate:
            self.other += 1
        elif outcome == Outcome.TICKET:
            self.tickets += 1
        elif outcome == Outcome.COMMENT:
            self.comments += 1
        else:
            self.other += 1

    def summary(self) -> str:
        return (
            f"mailboxes={self.mailboxes} messages={self.messages} tickets={self.tickets} "
            f"replies={self.comments} other={self.other} errors={self.errors}"
        )


def _check(answer: tuple[str, list[_Data]], what: str) -> list[_Data]:
    status, data = answer
    if status != "OK":
        raise ImapError(f"{what}: {status} {data!r}")
    return data


def connect(mailbox: Mailbox) -> imaplib.IMAP4:
    timeout = float(option("MAIL_IMAP_TIMEOUT", 30.0))
    password = os.environ.get(mailbox.imap_password_env, "") if mailbox.imap_password_env else ""
    if not password:
        raise ImapError(f"the environment variable {mailbox.imap_password_env!r} is not set")
    client: imaplib.IMAP4
    if mailbox.imap_security == ImapSecurity.SSL:
        client = imaplib.IMAP4_SSL(
            mailbox.imap_host,
            mailbox.imap_port,
            ssl_context=ssl.create_default_context(),
            timeout=timeout,
        )
    else:
        client = imaplib.IMAP4(mailbox.imap_host, mailbox.imap_port, timeout=timeout)
        if mailbox.imap_security == ImapSecurity.STARTTLS:
            client.starttls(ssl_context=ssl.create_default_context())
    try:
        _check(client.login(mailbox.imap_user, password), "LOGIN")
    except imaplib.IMAP4.error as exc:
        raise ImapError(f"LOGIN: {exc}") from exc
    return client


def fetch_mailbox(
    mailbox: Mailbox, *, batch: int = 100, report: FetchReport | None = None
) -> FetchReport:
    """Fetches and processes up to ``batch`` new messages of one mailbox."""
    report = report or FetchReport()
    report.mailboxes += 1
    try:
        client = connect(mailbox)
        try:
            _fetch_new(client, mailbox, batch, report)
        finally:
            with contextlib.suppress(OSError, imaplib.IMAP4.error):
                client.logout()
    except (OSError, imaplib.IMAP4.error, ImapError) as exc:
        report.errors += 1
        error = f"{type(exc).__name__}: {exc}"
        logger.warning("mailbox %s: %s", mailbox.name, error)
        Mailbox.objects.filter(pk=mailbox.pk).update(last_error=error[:2000])
        mailbox.last_error = error
    return report


def _fetch_new(client: imaplib.IMAP4, mailbox: Mailbox, batch: int, report: FetchReport) -> None:
    _check(client.select(_quote(mailbox.folder)), "SELECT")
    validity = uidvalidity(client)
    last_uid = mailbox.last_uid
    if validity is not None and mailbox.uidvalidity != validity:
        last_uid = 0  # a recreated folder: UIDs start again; deduplication covers re-reads
    # (No charset argument: imaplib skips a None one anyway.)
    data = _check(client.uid("SEARCH", f"UID {last_uid + 1}:*"), "UID SEARCH")
    uids = sorted(int(u) for u in (data[0] or b"").split() if int(u) > last_uid)
    for uid in uids[:batch]:
        raw = _fetch_one(client, uid)
        if raw is not None:
            result = receive_message(raw=raw, mailbox=mailbox)
            report.count(
                result.message.outcome,
                duplicate=bool(result.ignored and result.ignored.startswith("duplicate")),
            )
        _check(client.uid("STORE", str(uid), "+FLAGS", PROCESSED_FLAGS), "UID STORE")
        last_uid = uid
        Mailbox.objects.filter(pk=mailbox.pk).update(last_uid=uid, uidvalidity=validity)
    mailbox.last_uid, mailbox.uidvalidity = last_uid, validity
    Mailbox.objects.filter(pk=mailbox.pk).update(
        last_uid=last_uid, uidvalidity=validity, last_polled_at=current_time(), last_error=""
    )


def uidvalidity(client: imaplib.IMAP4) -> int | None:
    """The UIDVALIDITY the server announced on SELECT (imaplib keeps the untagged answer)."""
    _name, values = client.response("UIDVALIDITY")
    for value in values or []:
        if isinstance(value, bytes) and value.strip().isdigit():
            return int(value)
    return None


def _fetch_one(client: imaplib.IMAP4, uid: int) -> bytes | None:
    data = _check(client.uid("FETCH", str(uid), "(BODY.PEEK[])"), "UID FETCH")
    for item in data:
        if isinstance(item, tuple) and len(item) == 2 and isinstance(item[1], bytes):
            return item[1]
    return None  # expunged meanwhile


def _quote(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


def polled_mailboxes() -> list[Mailbox]:
    return list(Mailbox.objects.filter(is_active=True).exclude(imap_host="").order_by("pk"))


def fetch_due(*, now: datetime | None = None, batch: int = 100, force: bool = False) -> FetchReport:
    """Polls every active IMAP mailbox not polled in the last ``MAIL_POLL_SECONDS`` (60)."""
    moment = now or current_time()
    every = timedelta(seconds=int(option("MAIL_POLL_SECONDS", 60)))
    report = FetchReport()
    for mailbox in polled_mailboxes():
        due = force or mailbox.last_polled_at is None or mailbox.last_polled_at + every <= moment
        if due:
            Mailbox.objects.filter(pk=mailbox.pk).update(last_polled_at=moment)
            fetch_mailbox(mailbox, batch=batch, report=report)
    return report
