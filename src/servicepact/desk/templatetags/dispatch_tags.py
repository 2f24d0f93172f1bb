"""The ticket page's visits section: its work orders and, while the ticket is open, the form
to plan one (``desk/_work_orders.html``)."""

from __future__ import annotations

from typing import Any

from django import template

from servicepact.desk.dispatch_pages import PlanVisitForm
from servicepact.fieldservice import selectors as fieldservice_selectors
from servicepact.tickets.models import Ticket
from servicepact.tickets.transitions import allowed

register = template.Library()


@register.simple_tag(takes_context=True)
def ticket_visits(context: template.Context, ticket: Ticket) -> dict[str, Any]:
    orders = fieldservice_selectors.ticket_visits(context["request"].user, ticket)
    form = PlanVisitForm(prefix="visit") if allowed("dispatch", ticket.status) else None
    return {"orders": orders, "form": form}
