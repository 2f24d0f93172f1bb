"""The desk's one search box: tickets by number, subject, customer or asset.

A number finds its ticket whichever way it is typed ("SP-000123", "sp-123", "123"); any
other text matches the subject, the customer's name or code, the asset's hostname, serial
number or model. Results are newest first and read one SQL-limited page at a time.
"""

from __future__ import annotations

import re

from django.db.models import Q, QuerySet

from servicepact.core.pagination import Page, paginate_page
from servicepact.tickets.models import Ticket

PER_PAGE = 25
MAX_TERM = 100
NUMBER = re.compile(r"^(?:SP-?)?0*(\d{1,9})$", re.IGNORECASE)


def ticket_number(term: str) -> str | None:
    """The canonical ticket number a term spells, if it spells one: "123" -> "SP-000123"."""
    match = NUMBER.match(term.strip())
    return f"SP-{int(match.group(1)):06d}" if match else None


def search_filter(term: str) -> Q:
    text = term.strip()
    found = (
        Q(subject__icontains=text)
        | Q(customer__name__icontains=text)
        | Q(customer__code__iexact=text)
        | Q(asset__hostname__icontains=text)
        | Q(asset__serial_number__iexact=text)
        | Q(asset__model__icontains=text)
        | Q(number__iexact=text)
    )
    number = ticket_number(text)
    return found | Q(number=number) if number else found


def search_tickets(term: str, *, page: object = 1) -> Page:
    """One page of the tickets matching ``term`` (staff only: the desk has every customer)."""
    text = term.strip()[:MAX_TERM]
    if not text:
        return Page(items=[], number=1, per_page=PER_PAGE, count=0)
    qs: QuerySet[Ticket] = (
        Ticket.objects.filter(search_filter(text))
        .select_related("customer", "asset", "assignee")
        .order_by("-opened_at", "-pk")
    )
    return paginate_page(qs, page=page, per_page=PER_PAGE)
