"""Problems (ITIL problem management): the cause behind recurring incidents, as a record a
service desk user knows from GLPI/iTop/ServiceNow. Staff write; a customer's contacts read
their own (tenancy). Status open -> known error (root cause and workaround written) ->
resolved (usually by a change linked as its fix); a resolved problem may be reopened.
Tickets and changes linked must be the problem's customer's (422 otherwise)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from servicepact.accounts.actors import Actor
from servicepact.changes.choices import ProblemStatus
from servicepact.changes.models import PLAN_MAX_CHARS, Change, Problem
from servicepact.core.errors import DomainValidationError
from servicepact.core.services import save_validated
from servicepact.core.time import now as current_time
from servicepact.customers.models import Customer
from servicepact.customers.selectors import is_staff, scope_to_customer
from servicepact.tickets.models import Ticket

PROBLEM_FIELDS = ("title", "description", "status", "root_cause", "workaround")


def problems_for(user: Any) -> QuerySet[Problem]:
    """Staff: every problem; a contact: its customer's; anyone else: none."""
    qs = Problem.objects.select_related("customer").prefetch_related("tickets", "changes")
    return scope_to_customer(qs, user)


def _check(problem: Problem, tickets: list[Ticket], changes: list[Change]) -> None:
    errors: dict[str, list[str]] = {}
    problem.title = problem.title.strip()
    if not problem.title:
        errors["title"] = [_("must not be empty")]
    if problem.status not in ProblemStatus.values:
        errors["status"] = [
            _("must be one of %(choices)s") % {"choices": ", ".join(ProblemStatus.values)}
        ]
    elif problem.status != ProblemStatus.OPEN and not problem.root_cause.strip():
        errors["root_cause"] = [_("a known error or a resolved problem has its root cause")]
    if problem.status == ProblemStatus.KNOWN_ERROR and not problem.workaround.strip():
        errors["workaround"] = [_("a known error has its workaround")]
    for name in ("description", "root_cause", "workaround"):
        if len(getattr(problem, name)) > PLAN_MAX_CHARS:
            errors[name] = [_("At most %(n)s characters.") % {"n": PLAN_MAX_CHARS}]
    if any(t.customer_id != problem.customer_id for t in tickets):
        errors["tickets"] = [_("not tickets of this problem's customer")]
    if any(c.customer_id != problem.customer_id for c in changes):
        errors["changes"] = [_("not changes of this problem's customer")]
    if errors:
        raise DomainValidationError(errors)


def _require_staff(actor: Actor) -> None:
    if not is_staff(actor):
        raise PermissionDenied(_("only provider staff record problems"))


@transaction.atomic
def record_problem(
    *,
    customer: Customer,
    title: str,
    actor: Actor,
    description: str = "",
    root_cause: str = "",
    workaround: str = "",
    status: str = ProblemStatus.OPEN,
    tickets: Iterable[Ticket] = (),
    changes: Iterable[Change] = (),
) -> Problem:
    """A problem of ``customer`` (staff), with the incidents it causes and its fixes."""
    _require_staff(actor)
    tickets, changes = list(tickets), list(changes)
    problem = Problem(
        customer=customer,
        title=title,
        description=description,
        root_cause=root_cause,
        workaround=workaround,
        status=status,
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    _check(problem, tickets, changes)
    if problem.status == ProblemStatus.RESOLVED:
        problem.resolved_at = current_time()
    save_validated(problem)
    problem.tickets.set(tickets)
    problem.changes.set(changes)
    return problem


@transaction.atomic
def update_problem(
    *,
    problem: Problem,
    actor: Actor,
    tickets: Iterable[Ticket] | None = None,
    changes: Iterable[Change] | None = None,
    **values: Any,
) -> Problem:
    """Changes the fields given (``PROBLEM_FIELDS``) and, when given, the linked tickets
    and fixing changes (replaced whole). Resolving stamps ``resolved_at``; reopening clears
    it."""
    _require_staff(actor)
    unknown = sorted(set(values) - set(PROBLEM_FIELDS))
    if unknown:
        raise DomainValidationError({f: [_("cannot be changed")] for f in unknown})
    problem = Problem.objects.select_for_update().get(pk=problem.pk)
    was = problem.status
    for name, value in values.items():
        setattr(problem, name, value)
    linked_tickets = list(tickets) if tickets is not None else list(problem.tickets.all())
    linked_changes = list(changes) if changes is not None else list(problem.changes.all())
    _check(problem, linked_tickets, linked_changes)
    if problem.status == ProblemStatus.RESOLVED and was != ProblemStatus.RESOLVED:
        problem.resolved_at = current_time()
    elif problem.status != ProblemStatus.RESOLVED:
        problem.resolved_at = None
    save_validated(problem)
    if tickets is not None:
        problem.tickets.set(linked_tickets)
    if changes is not None:
        problem.changes.set(linked_changes)
    return problem
