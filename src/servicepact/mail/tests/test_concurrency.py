"""The same message arriving twice at once (two workers polling, a provider retrying a push
while the first delivery is still being processed): one ticket, one record (PostgreSQL)."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection, connections

from servicepact.mail.models import InboundMessage
from servicepact.mail.services import Received, receive_message
from servicepact.tickets.models import Ticket
from servicepact.tickets.testing import World

RAW = (
    b"From: John Smith <john.smith@acme.example>\r\nSubject: Power supply failed\r\n"
    b"Message-ID: <psu-1@acme.example>\r\n\r\nPSU 2 of acme-srv01 is red.\r\n"
)


@pytest.mark.django_db(transaction=True)
def test_two_deliveries_at_once_open_one_ticket(acme: World) -> None:
    """Eight threads, each with its own connection, receive the message at the same moment:
    the unique key lets one insert win; the others wait for it to commit, then answer
    "duplicate" with its ticket."""
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL (SQLite serialises them)")
    start = threading.Barrier(8)
    results: list[Received] = []
    failures: list[BaseException] = []

    def deliver() -> None:
        try:
            start.wait()
            results.append(receive_message(raw=RAW, mailbox=None))
        except BaseException as exc:  # surfaced below
            failures.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=deliver) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert failures == []
    ticket = Ticket.objects.get()
    assert InboundMessage.objects.count() == 1
    answers: list[dict[str, Any]] = [r.as_dict() for r in results]
    assert all(a["ticket"] == ticket.pk for a in answers)
    assert sum(a["ignored"] is None for a in answers) == 1
    assert sum(str(a["ignored"]).startswith("duplicate") for a in answers) == 7
