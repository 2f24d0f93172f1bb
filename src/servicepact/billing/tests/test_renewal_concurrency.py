"""Accepting at once (a double click, two contacts answering two proposals for the same
term): one new term, one ``renewed`` event; the others are refused with a 409 (PostgreSQL)."""

from __future__ import annotations

import threading
from datetime import date

import pytest
from django.db import connection, connections

from servicepact.billing.renewals import accept_renewal, prepare_renewal, send_renewal
from servicepact.billing.testing_commerce import shop
from servicepact.contracts.escalation import ContractEventKind
from servicepact.contracts.models import Contract
from servicepact.core.errors import TransitionError
from servicepact.core.testing import Clock, ny


@pytest.mark.django_db(transaction=True)
def test_concurrent_accepts_make_one_term(clock: Clock) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL (SQLite serialises them)")
    s = shop(clock)
    Contract.objects.filter(pk=s.contract.pk).update(end_date=date(2025, 12, 31))
    clock.at(ny(2025, 11, 3, 10))
    proposals = [
        prepare_renewal(
            contract=s.contract, end_date=date(2026, 12, 31), fee_amount=fee, actor=s.manager
        )
        for fee in ("3100", "3200")
    ]
    for p in proposals:
        send_renewal(proposal=p, actor=s.manager)
    start = threading.Barrier(4)
    accepted: list[int] = []
    refused: list[BaseException] = []

    def answer(index: int) -> None:
        try:
            start.wait()
            accepted.append(
                accept_renewal(proposal=proposals[index], actor=s.world.contact.user).pk
            )
        except TransitionError as exc:
            refused.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=answer, args=(i % 2,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert len(accepted) == 1 and len(refused) == 3
    contract = Contract.objects.get(pk=s.contract.pk)
    assert contract.end_date == date(2026, 12, 31)
    assert contract.events.filter(kind=ContractEventKind.RENEWED).count() == 1
    assert contract.versions.count() == 2
