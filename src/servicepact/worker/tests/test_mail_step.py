"""The worker's inbound e-mail step: IMAP mailboxes are polled every MAIL_POLL_SECONDS
(a real Dovecot, the mail app's fixture)."""

from __future__ import annotations

from typing import Any

import pytest

from servicepact.mail.imap import fetch_due
from servicepact.mail.tests.conftest import (  # noqa: F401  (fixtures)
    Imap,
    _provider_mail,
    acme,
    dovecot_server,
    imap,
)
from servicepact.mail.tests.test_imap import mailbox_for, new_mail
from servicepact.tickets.testing import World
from servicepact.worker.passes import run_pass

pytestmark = pytest.mark.django_db


def test_the_worker_polls_due_mailboxes(acme: World, imap: Imap, clock: Any) -> None:  # noqa: F811
    from servicepact.core.testing import utc

    clock.at(utc(2025, 12, 2, 9, 0))
    box = mailbox_for(imap)
    imap.append(new_mail(1))
    report = run_pass()
    assert report.mail.tickets == 1 and report.failed_steps == 0
    imap.append(new_mail(2))
    clock.at(utc(2025, 12, 2, 9, 0, 30))  # within MAIL_POLL_SECONDS (60): not due
    assert run_pass().mail.messages == 0
    clock.at(utc(2025, 12, 2, 9, 1, 1))
    assert run_pass().mail.tickets == 1
    box.refresh_from_db()
    assert box.last_uid == 2
    assert fetch_due(now=utc(2025, 12, 2, 9, 1, 2)).mailboxes == 0  # polled just now
