"""Two reservations of the last unit over two real PostgreSQL connections: the second waits
on the first's lock of the (part, depot) balance row, then sees nothing available."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection, transaction

from servicepact.core.errors import DomainValidationError
from servicepact.stock import services
from servicepact.stock.models import Reservation
from servicepact.stock.selectors import levels

from .conftest import stocked


@pytest.mark.django_db(transaction=True)
def test_two_reservations_of_the_last_unit_cannot_both_succeed(clock):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite allows one writer at a time (no row locks to race): PostgreSQL only")
    s = stocked(clock, received=1)
    first_holds_lock = threading.Event()
    results: dict[str, object] = {}

    def first() -> None:
        try:
            with transaction.atomic():
                services.reserve_part(
                    ticket=s.ticket, part=s.part, depot=s.depot, quantity=1, actor=s.agent
                )
                first_holds_lock.set()
                time.sleep(0.5)  # the second reservation starts meanwhile and must wait
            results["first"] = "reserved"
        finally:
            connection.close()

    def second() -> None:
        try:
            first_holds_lock.wait(5)
            started = time.monotonic()
            try:
                services.reserve_part(
                    ticket=s.ticket, part=s.part, depot=s.depot, quantity=1, actor=s.agent
                )
                results["second"] = "reserved"
            except DomainValidationError as error:
                results["second"] = sorted(error.errors)
            results["waited"] = time.monotonic() - started
        finally:
            connection.close()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(20)
    assert results["first"] == "reserved"
    assert results["second"] == ["quantity"]
    assert results["waited"] >= 0.3  # it blocked on the lock row, then read the new sums
    assert Reservation.objects.count() == 1
    assert levels(s.part.pk, s.depot.pk).available == 0
