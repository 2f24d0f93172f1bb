"""``servicepact mail fetch [--once] [--mailbox NAME]``: poll IMAP mailboxes now.

With ``--once``, one poll of every active IMAP mailbox (or the one named), whether due or
not, then exit (status 1 when a mailbox failed). Without it, poll every ``--interval``
seconds until interrupted (the worker also polls: ``MAIL_POLL_SECONDS``).
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from servicepact.mail.imap import FetchReport, fetch_due, fetch_mailbox
from servicepact.mail.models import Mailbox


class Command(BaseCommand):
    help = "Inbound e-mail: `mail fetch --once` polls the IMAP mailboxes now."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        fetch = sub.add_parser("fetch", help="poll IMAP mailboxes")
        fetch.add_argument("--once", action="store_true", help="one poll, then exit")
        fetch.add_argument("--mailbox", help="only this mailbox (name)")
        fetch.add_argument("--batch", type=int, default=100, help="messages per mailbox and poll")
        fetch.add_argument("--interval", type=float, default=60.0)

    def handle(self, *args: Any, **options: Any) -> None:
        batch = max(1, options["batch"])
        while True:
            report = self._poll(options["mailbox"], batch)
            self.stdout.write(report.summary())
            if options["once"]:
                if report.errors:
                    raise CommandError(
                        f"{report.errors} mailbox(es) failed: see the log", returncode=1
                    )
                return
            time.sleep(max(1.0, options["interval"]))

    def _poll(self, name: str | None, batch: int) -> FetchReport:
        if not name:
            return fetch_due(batch=batch, force=True)
        box = Mailbox.objects.filter(name=name, is_active=True).exclude(imap_host="").first()
        if box is None:
            raise CommandError(f"mailbox: no active IMAP mailbox named {name!r}")
        return fetch_mailbox(box, batch=batch)
