"""Desk pages of spare parts and standby machines: stock per part and depot (low stock
first-class), a part with its ledger, RMAs, loaners (overdue ones marked). The stock page
receives and adjusts stock, the RMA page opens and advances RMAs, through ``stock.services``
(the API's services): a refusal re-renders the page with the error next to its field (422).
Every list is SQL-limited."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from servicepact.accounts.actors import actor_of
from servicepact.accounts.selectors import staff_timezone
from servicepact.core.pagination import paginate_page
from servicepact.core.time import local_date, now
from servicepact.desk.access import staff_required
from servicepact.desk.spare_parts import submit_form
from servicepact.desk.stock_forms import AdjustForm, AdvanceRmaForm, RmaForm, StockForm
from servicepact.stock import selectors, services
from servicepact.stock.choices import RmaStatus
from servicepact.stock.depots import active_depots

PER_PAGE = 50


@require_GET
@staff_required
def stock_list(request: HttpRequest) -> HttpResponse:
    return _stock_page(request)


def _stock_page(
    request: HttpRequest,
    *,
    receive_form: StockForm | None = None,
    adjust_form: AdjustForm | None = None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
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
            "receive_form": receive_form or StockForm(prefix="receive"),
            "adjust_form": adjust_form or AdjustForm(prefix="adjust"),
            "error": error,
        },
        status=status,
    )


@require_POST
@staff_required
def stock_receive(request: HttpRequest) -> HttpResponse:
    form = StockForm(request.POST, prefix="receive")
    ok, error = submit_form(
        form, lambda data: services.receive_stock(**data, actor=actor_of(request))
    )
    if not ok:
        return _stock_page(request, receive_form=form, error=error, status=403 if error else 422)
    messages.success(request, _("Stock received."))
    return redirect("desk:stock")


@require_POST
@staff_required
def stock_adjust(request: HttpRequest) -> HttpResponse:
    form = AdjustForm(request.POST, prefix="adjust")
    ok, error = submit_form(
        form, lambda data: services.adjust_stock(**data, actor=actor_of(request))
    )
    if not ok:
        return _stock_page(request, adjust_form=form, error=error, status=403 if error else 422)
    messages.success(request, _("Stock adjusted."))
    return redirect("desk:stock")


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
    return _rma_page(request)


def _rma_page(
    request: HttpRequest,
    *,
    open_form: RmaForm | None = None,
    bound: tuple[int, forms.Form] | None = None,
    error: str = "",
    code: int = 200,
) -> HttpResponse:
    """RMAs, newest first, each not closed with the form of its next step."""
    status = request.GET.get("status", "")
    qs = selectors.rmas_for(request.user)
    if status in RmaStatus.values:
        qs = qs.filter(status=status)
    page = paginate_page(qs, page=request.GET.get("page"), per_page=PER_PAGE)
    rows: list[tuple[Any, forms.Form | None]] = []
    for rma in page.items:
        form: forms.Form | None = None
        if bound is not None and bound[0] == rma.pk:
            form = bound[1]
        elif rma.status != RmaStatus.CLOSED:
            form = AdvanceRmaForm(prefix=f"rma{rma.pk}", rma=rma)
        rows.append((rma, form))
    return render(
        request,
        "desk/stock_rmas.html",
        {
            "page": page,
            "rows": rows,
            "open_form": open_form or RmaForm(prefix="rma"),
            "error": error,
            "page_query": urlencode({"status": status}) if status else "",
            "status": status,
            "statuses": RmaStatus.choices,
            "agent_tz": staff_timezone(request.user),
        },
        status=code,
    )


@require_POST
@staff_required
def rma_open(request: HttpRequest) -> HttpResponse:
    form = RmaForm(request.POST, prefix="rma")
    ok, error = submit_form(form, lambda data: services.open_rma(**data, actor=actor_of(request)))
    if not ok:
        return _rma_page(request, open_form=form, error=error, code=409 if error else 422)
    messages.success(request, _("RMA opened."))
    return redirect("desk:stock-rmas")


@require_POST
@staff_required
def rma_advance(request: HttpRequest, pk: int) -> HttpResponse:
    rma = get_object_or_404(selectors.rmas_for(request.user), pk=pk)
    form = AdvanceRmaForm(request.POST, prefix=f"rma{rma.pk}", rma=rma)
    ok, error = submit_form(
        form, lambda data: services.advance_rma(rma=rma, **data, actor=actor_of(request))
    )
    if not ok:
        return _rma_page(request, bound=(rma.pk, form), error=error, code=409 if error else 422)
    messages.success(request, _("RMA updated."))
    return redirect("desk:stock-rmas")


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
