"""Statement pages for the desk and the portal, the audit export and the provider dashboard.

Thin: parse, call a selector or builder, render. Tenancy through customers.selectors: a
contact reaches only its own customer's contracts (another's is a 404); desk pages and the
dashboard are for staff (anyone else gets a 404, not a hint that the page exists).
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse

from servicepact.billing.periods import Period
from servicepact.contracts.models import Contract
from servicepact.core.errors import DomainValidationError
from servicepact.customers.selectors import is_staff
from servicepact.reports import formats
from servicepact.reports.audit import audit_export
from servicepact.reports.dashboard import portfolio
from servicepact.reports.selectors import default_period, get_contract, statement_for

FORMATS = ("html", "pdf", "csv", "json")


def _period(request: HttpRequest, contract: Contract) -> Period:
    text = request.GET.get("period")
    if not text:
        return default_period(contract)
    try:
        return Period.parse(text)
    except DomainValidationError:
        raise Http404("No such period") from None


def _require_staff(request: HttpRequest) -> None:
    if not is_staff(request.user):
        raise Http404("Not found")


def _statement(
    request: HttpRequest, contract: Contract, audit_url: str, audience: str
) -> HttpResponse:
    fmt = request.GET.get("format", "html")
    if fmt not in FORMATS:
        raise Http404("Unknown format")
    period = _period(request, contract)
    snapshot = statement_for(contract, period)
    if fmt == "html":
        return render(
            request,
            "reports/statement.html",
            formats.context(snapshot, audience=audience, audit_url=audit_url),
        )
    response = HttpResponse(formats.render(snapshot, fmt), content_type=formats.CONTENT_TYPES[fmt])
    name = f"statement-{contract.number}-{period}.{fmt}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _audit(request: HttpRequest, contract: Contract) -> HttpResponse:
    period = _period(request, contract)
    response = HttpResponse(audit_export(contract, period), content_type="application/zip")
    name = f"audit-{contract.number}-{period}.zip"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
def statement_desk(request: HttpRequest, contract_id: int) -> HttpResponse:
    _require_staff(request)
    contract = get_object_or_404(
        Contract.objects.select_related("customer", "plan"), pk=contract_id
    )
    return _statement(request, contract, reverse("reports:audit_desk", args=[contract.pk]), "desk")


@login_required
def statement_portal(request: HttpRequest, contract_id: int) -> HttpResponse:
    contract = get_contract(request.user, contract_id)
    return _statement(
        request, contract, reverse("reports:audit_portal", args=[contract.pk]), "portal"
    )


@login_required
def audit_desk(request: HttpRequest, contract_id: int) -> HttpResponse:
    _require_staff(request)
    return _audit(request, get_object_or_404(Contract, pk=contract_id))


@login_required
def audit_portal(request: HttpRequest, contract_id: int) -> HttpResponse:
    return _audit(request, get_contract(request.user, contract_id))


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    _require_staff(request)
    return render(
        request,
        "reports/dashboard.html",
        {"d": portfolio(), "base_template": formats.base_template("desk")},
    )
