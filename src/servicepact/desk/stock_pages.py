"""Desk pages of spare parts and standby machines: stock per part and depot (low stock
first-class), a part with its ledger, RMAs, loaners (overdue ones marked). Read-only pages:
writes go through ``stock.services`` (``/api/v1/stock``). Every list is SQL-limited."""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from servicepact.accounts.selectors import staff_timezone
from servicepact.core.pagination import paginate_page
from servicepact.core.time import local_date, now
from servicepact.desk.access import staff_required
from servicepact.stock import selectors
from servicepact.stock.choices import RmaStatus
from servicepact.stock.depots import active_depots

PER_PAGE = 50


@require_GET
@staff_required
def stock_list(request: HttpRequest) -> HttpResponse:
    """Balances per (part, depot); ``?low=1`` only those below their threshold."""
    low = request.GET.get("low", "") == "1"
    depot = request.GET.get("depot", "")
    qs = selectors.low_balances() if low else selectors.balances()
    if depot.isdigit():
        qs = qs.filter(depot_id=int(depot))
    page = paginate_page(qs, page=request.GET.get("page"), per_page=PER_PAGE)
    query = urlencode({k: v for k, v in (("low", "1" if low else ""), ("depot", depot)) if v})
    return render(
        request,
        "desk/stock.html",
        {
            "page": page,
            "page_query": query,
            "low": low,
            "depot": depot,
            "depots": active_depots(),
            "low_count": selectors.low_balances().count(),
        },
    )


@require_GET
@staff_required
def part_detail(request: HttpRequest, pk: int) -> HttpResponse:
    part = get_object_or_404(selectors.parts(), pk=pk)
    page = paginate_page(
        selectors.movements().filter(part=part), page=request.GET.get("page"), per_page=PER_PAGE
    )
    return render(
        request,
        "desk/stock_part.html",
        {
            "part": part,
            "balances": selectors.balances().filter(part=part),
            "page": page,
            "page_query": "",
            "agent_tz": staff_timezone(request.user),
        },
    )


@require_GET
@staff_required
def rma_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    qs = selectors.rmas_for(request.user)
    if status in RmaStatus.values:
        qs = qs.filter(status=status)
    page = paginate_page(qs, page=request.GET.get("page"), per_page=PER_PAGE)
    return render(
        request,
        "desk/stock_rmas.html",
        {
            "page": page,
            "page_query": urlencode({"status": status}) if status else "",
            "status": status,
            "statuses": RmaStatus.choices,
            "agent_tz": staff_timezone(request.user),
        },
    )


@require_GET
@staff_required
def loaner_list(request: HttpRequest) -> HttpResponse:
    """Open loans first by due date; ``?overdue=1`` only those past it (agent's today)."""
    today = local_date(now(), staff_timezone(request.user))
    only_overdue = request.GET.get("overdue", "") == "1"
    rows = selectors.loaners_for(request.user)
    qs = selectors.overdue(rows, today) if only_overdue else rows
    page = paginate_page(qs, page=request.GET.get("page"), per_page=PER_PAGE)
    return render(
        request,
        "desk/stock_loaners.html",
        {
            "page": page,
            "page_query": "overdue=1" if only_overdue else "",
            "only_overdue": only_overdue,
            "today": today,
            "overdue_count": selectors.overdue(rows, today).count(),
        },
    )
