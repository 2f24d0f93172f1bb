"""The customer's side of the money: the hours ledger (with its CSV, to recompute) and the
period charges of its own contracts (read-only; HTML, PDF and CSV). Another customer's
contract or charge is a 404."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from servicepact.accounts.actors import actor_of
from servicepact.billing.charges import charge_snapshot, charges_for, download
from servicepact.billing.commercial import accept_fee_change, decline_fee_change
from servicepact.billing.hours import fee_changes_visible, ledger_csv, ledger_page
from servicepact.contracts.selectors import contracts_for
from servicepact.core.errors import TransitionError
from servicepact.core.time import now
from servicepact.portal.access import contact_required

FORMATS = ("csv", "pdf", "html")


@require_GET
@contact_required
def contract_hours(request: HttpRequest, pk: int) -> HttpResponse:
    contract = get_object_or_404(contracts_for(request.user).select_related("customer"), pk=pk)
    if request.GET.get("format") == "csv":
        response = HttpResponse(ledger_csv(request.user, contract), content_type="text/csv")
        response["Content-Disposition"] = f'attachment; filename="hours-{contract.number}.csv"'
        return response
    context = ledger_page(request.user, contract, now())
    charges = charges_for(request.user).filter(contract=contract).order_by("-period")[:24]
    changes = fee_changes_visible(request.user).filter(contract=contract)[:20]
    return render(
        request,
        "portal/hours.html",
        {**context, "contract": contract, "charges": charges, "fee_changes": changes},
    )


@require_GET
@contact_required
def charge_detail(request: HttpRequest, pk: int) -> HttpResponse:
    charge = get_object_or_404(charges_for(request.user), pk=pk)
    snapshot = charge_snapshot(charge)
    fmt = request.GET.get("format", "")
    if fmt in FORMATS:
        return download(snapshot, fmt, request)
    return render(request, "portal/charge.html", {"charge": snapshot})


@require_POST
@contact_required
def fee_change_answer(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """Accept or decline a fee change the provider approved (409 once answered)."""
    if action not in ("accept", "decline"):
        raise Http404("No such action")
    change = get_object_or_404(fee_changes_visible(request.user), pk=pk)
    answer = accept_fee_change if action == "accept" else decline_fee_change
    note = request.POST.get("note", "")[:300]
    try:
        answer(change=change, actor=actor_of(request), note=note)
    except TransitionError as exc:
        return HttpResponse(exc.message, status=409)
    if action == "accept":
        messages.success(request, _("Fee change accepted."))
    else:
        messages.success(request, _("Fee change declined."))
    return redirect(reverse("portal:contract-hours", args=[change.contract_id]))
