"""The desk's one search box: tickets by number, subject, customer or asset.

A number finds its ticket whichever way it is typed ("SP-000123", "sp-123", "123"); any
other text matches the subject, the customer's name or code, the asset's hostname, serial
number or model. Results are newest first and read one SQL-limited page at a time.

The query stays on the ticket table: the customers and assets that match are looked up
first in their own (small) tables, so the ticket query is an OR of branches each served by
an index (the subject's pg_trgm index on PostgreSQL, migration tickets 0008; the customer
and asset foreign-key indexes; the unique number) instead of an OR across joined tables,
which no index serves. The count stops at ``COUNT_CAP`` (a common word matches most of the
table; nobody pages through thousands of results).
"""

from __future__ import annotations

import re
from typing import Any

from django.db.models import Q, QuerySet

from servicepact.assets.models import Asset
from servicepact.core.pagination import Page, paginate_page
from servicepact.customers.models import Customer
from servicepact.tickets.models import Ticket

PER_PAGE = 25
MAX_TERM = 100
COUNT_CAP = 1000
# Past this many matching customers or assets the term is too common to list their ids.
MAX_IDS = 500
NUMBER = re.compile(r"^(?:SP-?)?0*(\d{1,9})$", re.IGNORECASE)


def ticket_number(term: str) -> str | None:
    """The canonical ticket number a term spells, if it spells one: "123" -> "SP-000123"."""
    match = NUMBER.match(term.strip())
    return f"SP-{int(match.group(1)):06d}" if match else None


def _ids(qs: QuerySet[Any]) -> list[int] | QuerySet[Any]:
    """The matching primary keys as a list (an index-served ``IN (…)``), or the subquery
    itself when there are too many to list."""
    ids = list(qs.order_by().values_list("pk", flat=True)[: MAX_IDS + 1])
    return qs.order_by().values("pk") if len(ids) > MAX_IDS else ids


def search_filter(term: str) -> Q:
    text = term.strip()
    customers = _ids(Customer.objects.filter(Q(name__icontains=text) | Q(code__iexact=text)))
    assets = _ids(
        Asset.objects.filter(
            Q(hostname__icontains=text) | Q(serial_number__iexact=text) | Q(model__icontains=text)
        )
    )
    # Numbers are stored upper case ("SP-000123"): an equality on the unique index.
    found = Q(subject__icontains=text) | Q(number=text.upper())
    if customers:
        found |= Q(customer_id__in=customers)
    if assets:
        found |= Q(asset_id__in=assets)
    number = ticket_number(text)
    return found | Q(number=number) if number else found


def search_tickets(term: str, *, page: object = 1) -> Page:
    """One page of the tickets matching ``term`` (staff only: the desk has every customer)."""
    text = term.strip()[:MAX_TERM]
    if not text:
        return Page(items=[], number=1, per_page=PER_PAGE, count=0)
    qs: QuerySet[Ticket] = Ticket.objects.filter(search_filter(text))
    listed = qs.select_related("customer", "asset", "assignee").order_by("-opened_at", "-pk")
    # ``more``: over COUNT_CAP tickets match (``count`` is the cap).
    return paginate_page(listed, page=page, per_page=PER_PAGE, cap=COUNT_CAP)
