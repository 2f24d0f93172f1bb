"""The customer's side of the money: the hours ledger (with its CSV, to recompute) and the
period charges of its own contracts (read-only; HTML, PDF and CSV). Another customer's
contract or charge is a 404."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from servicepact.billing.charges import charge_snapshot, charges_for, download
from servicepact.billing.hours import ledger_csv, ledger_page
from servicepact.contracts.selectors import contracts_for
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
    return render(
        request, "portal/hours.html", {**context, "contract": contract, "charges": charges}
    )


@require_GET
@contact_required
def charge_detail(request: HttpRequest, pk: int) -> HttpResponse:
    charge = get_object_or_404(charges_for(request.user), pk=pk)
    snapshot = charge_snapshot(charge)
    fmt = request.GET.get("format", "")
    if fmt in FORMATS:
        return download(snapshot, fmt)
    return render(request, "portal/charge.html", {"charge": snapshot})
