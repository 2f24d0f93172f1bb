"""The one transition table: which ticket action is allowed from which status.

Read by ``tickets.services`` (which refuses anything else with a TransitionError), by the desk
and the portal (which only offer the buttons allowed now) and by the API, so no button is ever
shown that the service refuses. Add an action here first, then its service.
"""

from __future__ import annotations

from servicepact.tickets.choices import OPEN_STATUSES, Status

ACTIVE = (Status.ACKNOWLEDGED, Status.IN_PROGRESS)
NOT_CLOSED = (*OPEN_STATUSES, Status.RESOLVED)

ALLOWED: dict[str, tuple[str, ...]] = {
    "acknowledge": (Status.NEW,),
    "start": (Status.ACKNOWLEDGED,),
    "pause": (*ACTIVE, Status.SOLUTION_PROPOSED),
    "resume": (Status.WAITING,),
    "restore": ACTIVE,
    "onsite": tuple(OPEN_STATUSES),
    # The fault is confirmed (问题确认) once work has begun; an engineer is dispatched (派遣)
    # and the ticket escalated to the next support level while it is open.
    "confirm": ACTIVE,
    "dispatch": tuple(OPEN_STATUSES),
    "escalate": tuple(OPEN_STATUSES),
    # Spare parts (servicepact.stock): ordered and delivered while the ticket is open.
    "part_ordered": tuple(OPEN_STATUSES),
    "part_delivered": tuple(OPEN_STATUSES),
    "propose": ACTIVE,
    "resolve": (*ACTIVE, Status.SOLUTION_PROPOSED),
    "close": (Status.RESOLVED,),
    "reopen": (Status.RESOLVED,),
    "priority": tuple(OPEN_STATUSES),
    "assign": NOT_CLOSED,
    "comment": tuple(Status.values),
    # The customer's answer to a proposed solution (portal and API).
    "accept": (Status.SOLUTION_PROPOSED,),
    "decline": (Status.SOLUTION_PROPOSED,),
}


def allowed(action: str, status: str) -> bool:
    """Whether ``action`` may run on a ticket in ``status`` (unknown actions: never)."""
    return status in ALLOWED.get(action, ())
