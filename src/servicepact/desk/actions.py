"""The ticket actions of the desk: which are offered in which status, and which service each calls.

Which status allows which action is read from ``tickets.transitions.ALLOWED`` (the table the
services check too); the service still checks (a stale page gets a TransitionError, a 409).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from servicepact.accounts.actors import Actor
from servicepact.desk import forms as f
from servicepact.tickets import services
from servicepact.tickets.attachments import add_comment_with_files
from servicepact.tickets.choices import EventKind, SupportLevel
from servicepact.tickets.models import Ticket
from servicepact.tickets.transitions import ALLOWED

Runner = Callable[[Ticket, Any, dict[str, Any]], object]


@dataclass(frozen=True)
class Action:
    name: str
    label: Any
    form_class: type[forms.Form]
    run: Runner
    done_message: Any
    once: str | None = None  # hidden once an event of this kind exists (restore, on-site)
    tone: str = "secondary"  # primary | secondary | danger (button style)

    @property
    def allowed(self) -> tuple[str, ...]:
        return ALLOWED[self.name]

    @property
    def needs_input(self) -> bool:
        return bool(self.form_class.base_fields)


def _call(service: Callable[..., object]) -> Runner:
    def run(ticket: Ticket, actor: Actor, data: dict[str, Any]) -> object:
        return service(ticket=ticket, actor=actor, **data)

    return run


def _comment(ticket: Ticket, actor: Actor, data: dict[str, Any]) -> object:
    return add_comment_with_files(
        ticket=ticket,
        author=actor,
        body=data["body"],
        internal=data["internal"],
        files=[data["file"]] if data.get("file") else [],
    )


ACTIONS: dict[str, Action] = {
    a.name: a
    for a in [
        Action(
            "acknowledge",
            _("Acknowledge"),
            f.EmptyForm,
            _call(services.acknowledge_ticket),
            _("Acknowledged: the first response is recorded."),
            tone="primary",
        ),
        Action(
            "start",
            _("Start work"),
            f.EmptyForm,
            _call(services.start_work),
            _("Work started."),
            tone="primary",
        ),
        Action(
            "resume",
            _("Resume"),
            f.EmptyForm,
            _call(services.resume_ticket),
            _("Resumed: the paused clocks run again."),
            tone="primary",
        ),
        Action(
            "close",
            _("Close"),
            f.EmptyForm,
            _call(services.close_ticket),
            _("Closed."),
        ),
        Action(
            "assign",
            _("Assign"),
            f.AssignForm,
            _call(services.assign_ticket),
            _("Assignment saved."),
        ),
        Action(
            "pause",
            _("Pause (waiting on customer)"),
            f.PauseForm,
            _call(services.pause_ticket),
            _("Paused: restore and resolution clocks stop until you resume."),
        ),
        Action(
            "onsite",
            _("Record on-site arrival"),
            f.OnsiteForm,
            _call(services.record_onsite_arrival),
            _("On-site arrival recorded."),
            once=EventKind.ONSITE_ARRIVED,
        ),
        Action(
            "confirm",
            _("Confirm fault"),
            f.ConfirmFaultForm,
            _call(services.confirm_fault),
            _("Fault confirmed: the clocks measured from confirmation run."),
            once=EventKind.FAULT_CONFIRMED,
        ),
        Action(
            "dispatch",
            _("Dispatch engineer"),
            f.DispatchForm,
            _call(services.dispatch_engineer),
            _("Engineer dispatched."),
            once=EventKind.DISPATCHED,
        ),
        Action(
            "escalate",
            _("Escalate to the next support level"),
            f.EscalateForm,
            _call(services.escalate_ticket),
            _("Escalated to the next support level."),
        ),
        Action(
            "restore",
            _("Record service restored"),
            f.RestoreForm,
            _call(services.record_restore),
            _("Restoration recorded: the restore clock stopped."),
            once=EventKind.RESTORED,
        ),
        Action(
            "propose",
            _("Propose solution"),
            f.ProposeForm,
            _call(services.propose_solution),
            _("Solution proposed to the customer."),
        ),
        Action(
            "resolve",
            _("Resolve"),
            f.ResolveForm,
            _call(services.resolve_ticket),
            _("Resolved: the resolution clock stopped."),
            tone="primary",
        ),
        Action(
            "priority",
            _("Change priority"),
            f.PriorityForm,
            _call(services.change_priority),
            _("Priority changed; the clocks were re-measured."),
        ),
        Action(
            "reopen",
            _("Reopen"),
            f.ReopenForm,
            _call(services.reopen_ticket),
            _("Reopened: the resolution clock continues."),
            tone="danger",
        ),
        Action(
            "comment",
            _("Add comment"),
            f.CommentForm,
            _comment,
            _("Comment added."),
            tone="primary",
        ),
    ]
}


def available(ticket: Ticket, recorded: set[str]) -> list[Action]:
    """The actions valid in the ticket's status (``recorded``: event kinds it already has)."""
    return [
        a
        for a in ACTIONS.values()
        if a.name != "comment"
        and ticket.status in a.allowed
        and (a.once is None or a.once not in recorded)
        and (a.name != "escalate" or ticket.support_level < max(SupportLevel.values))
    ]


def make_form(
    action: Action, data: Any = None, *, priority_names: dict[int, str], files: Any = None
) -> forms.Form:
    prefix = action.name
    if action.form_class is f.PriorityForm:
        return f.PriorityForm(data, prefix=prefix, names=priority_names)
    return action.form_class(data, files, prefix=prefix)
