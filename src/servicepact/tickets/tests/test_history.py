"""customer_history: the customer's reading of a timeline (pure: unsaved events with ids)."""

from __future__ import annotations

from servicepact.tickets.history import customer_history
from servicepact.tickets.models import TicketEvent

from .conftest import ny


def _e(pk: int, kind: str, hour: int, **data: object) -> TicketEvent:
    return TicketEvent(pk=pk, kind=kind, at=ny(2025, 3, 3, hour), data=data)


def test_a_withdrawn_breach_disappears_with_its_withdrawal_but_a_later_one_stands():
    events = [
        _e(1, "opened", 9),
        _e(2, "breached", 10, metric="on_site"),
        _e(3, "breached", 10, metric="first_response"),
        _e(4, "updated", 11, metric="on_site", breach_withdrawn=True),
        _e(5, "deadline_moved", 11, metric="resolution"),
        _e(6, "breached", 13, metric="on_site"),
        _e(7, "updated", 14, contract_version=[1, 2]),
    ]
    assert [e.pk for e in customer_history(events)] == [1, 3, 6, 7]


def test_a_withdrawal_without_a_recorded_breach_hides_only_itself():
    events = [_e(1, "opened", 9), _e(2, "updated", 10, metric="restore", breach_withdrawn=True)]
    assert [e.pk for e in customer_history(events)] == [1]
