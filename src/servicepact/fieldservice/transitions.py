"""The one transition table of work orders: which action is allowed from which status and
where it leads.

Read by ``fieldservice.services`` (which refuses anything else with a TransitionError, 409),
by the desk (which only offers the buttons allowed now) and by the API (``actions`` of each
work order), so no button is ever shown that the service refuses. Add an action here first,
then its service.
"""

from __future__ import annotations

from typing import NamedTuple

from servicepact.fieldservice.choices import WorkOrderStatus as S


class Move(NamedTuple):
    sources: tuple[str, ...]
    to: str | None  # None: the status stays


TRANSITIONS: dict[str, Move] = {
    "travel": Move((S.PLANNED,), S.TRAVELLING),
    # Arriving without a recorded travel start is allowed (the engineer was nearby).
    "arrive": Move((S.PLANNED, S.TRAVELLING), S.ON_SITE),
    "depart": Move((S.ON_SITE,), S.DONE),
    "cancel": Move((S.PLANNED, S.TRAVELLING), S.CANCELLED),
    # Work done and the customer's signature: on site, or afterwards from the notes.
    "work": Move((S.ON_SITE, S.DONE), None),
    "sign": Move((S.ON_SITE, S.DONE), None),
}


def allowed(action: str, status: str) -> bool:
    """Whether ``action`` may run on a work order in ``status`` (unknown actions: never)."""
    move = TRANSITIONS.get(action)
    return move is not None and status in move.sources


def actions_for(status: str) -> list[str]:
    """The actions a work order in ``status`` allows, in the table's order."""
    return [action for action, move in TRANSITIONS.items() if status in move.sources]
