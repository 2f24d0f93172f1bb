"""Ticket reads, scoped by tenancy. A contact never reaches another customer's ticket."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from servicepact.customers.selectors import contact_for, is_staff, scope_to_customer
from servicepact.tickets.choices import OPEN_STATUSES
from servicepact.tickets.models import Comment, SlaClock, Ticket, TicketEvent


def tickets_for(user: Any) -> QuerySet[Ticket]:
    qs = Ticket.objects.select_related(
        "customer",
        "contact",
        "asset",
        "site",
        "contract",
        "contract__plan",
        "contract_version",
        "assignee",
        "team",
    )
    return scope_to_customer(qs, user)


def ticket_list(
    user: Any,
    *,
    status: str | None = None,
    priority: int | None = None,
    customer: int | None = None,
    asset: int | None = None,
    breaching_before: datetime | None = None,
    assignee: int | None = None,
    open_only: bool = False,
) -> QuerySet[Ticket]:
    qs = tickets_for(user).prefetch_related(
        Prefetch("clocks", queryset=SlaClock.objects.order_by("metric"))
    )
    if status:
        qs = qs.filter(status__in=status.split(","))
    if priority:
        qs = qs.filter(priority=priority)
    if customer:
        qs = qs.filter(customer_id=customer)
    if asset:
        qs = qs.filter(asset_id=asset)
    if assignee:
        qs = qs.filter(assignee_id=assignee)
    if breaching_before:
        qs = qs.filter(next_deadline_at__lt=breaching_before)
    if open_only:
        qs = qs.filter(status__in=OPEN_STATUSES)  # a positive IN: the open-ticket indexes apply
    return qs


def get_ticket(user: Any, pk: int) -> Ticket:
    """The ticket if the user may see it; otherwise 404 (never 403: existence is not revealed)."""
    ticket = tickets_for(user).filter(pk=pk).first()
    if ticket is None:
        raise Http404(_("No such ticket"))
    return ticket


def visible_events(user: Any, ticket: Ticket) -> QuerySet[TicketEvent]:
    qs = ticket.events.select_related("actor").order_by("at", "id")
    return qs if is_staff(user) else qs.filter(public=True)


def visible_comments(user: Any, ticket: Ticket) -> QuerySet[Comment]:
    qs = ticket.comments.select_related("author", "contact").order_by("created_at", "id")
    return qs if is_staff(user) else qs.filter(is_internal=False)


def can_act_as_contact(user: Any, ticket: Ticket) -> bool:
    contact = contact_for(user)
    return contact is not None and contact.customer_id == ticket.customer_id
