"""Desk pages of the tier comparison (docs/tier-replay.md): "Compare tiers" (a contract's
or a customer's month(s) as they were beside the same under another plan) and a customer's vendor offers
with their TCO (chart, PDF, CSV)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from servicepact.contracts.models import ServicePlan
from servicepact.contracts.selectors import contracts_for
from servicepact.core.csvexport import csv_bytes
from servicepact.core.errors import DomainValidationError
from servicepact.core.time import now as current_time
from servicepact.customers.selectors import customers_for
from servicepact.desk.access import staff_required
from servicepact.reports.charts import SERIES_COLOURS, stacked_bars
from servicepact.reports.formats import pdf_from_html
from servicepact.tiers.pages import as_int as _int
from servicepact.tiers.pages import replay_form
from servicepact.tiers.report import COMPONENTS, tco_report
from servicepact.tiers.selectors import offers_for


@staff_required
def compare_tiers(request: HttpRequest) -> HttpResponse:
    """Pick a contract (or a customer: all its contracts), a month (or a range), a plan and
    optionally some assets: the figures side by side (``tiers.pages.replay_form``)."""
    contracts = contracts_for(request.user).select_related("customer", "plan").order_by("number")
    customers = customers_for(request.user).order_by("name")
    plans = ServicePlan.objects.order_by("name")
    form = replay_form(request.GET, contracts=contracts, plans=plans, customers=customers)
    return render(
        request,
        "desk/tiers_compare.html",
        {
            "contracts": contracts,
            "customers": customers,
            "plans": plans,
            "form": form,
            "chosen": form.chosen,
            "result": form.result,
            "errors": form.errors,
            "rows": form.rows,
        },
        status=form.status,
    )


def _rate(text: str | None) -> Decimal | None:
    try:
        value = Decimal(text) if text else None
    except InvalidOperation:
        return None
    return value if value is not None and value.is_finite() and value >= 0 else None


@staff_required
def offers_tco(request: HttpRequest) -> HttpResponse:
    """A customer's offers, their TCO over N years at its downtime cost, chart, PDF, CSV."""
    customers = customers_for(request.user).order_by("name")
    customer = customers.filter(pk=_int(request.GET.get("customer")) or 0).first()
    years = _int(request.GET.get("years")) or 5
    rate = _rate(request.GET.get("rate"))
    offers = list(offers_for(request.user).filter(customer=customer)) if customer else []
    report: dict[str, Any] | None = None
    errors: dict[str, list[str]] = {}
    if offers:
        try:
            report = tco_report(offers=offers, years=years, rate=rate, now=current_time())
        except DomainValidationError as exc:
            errors = exc.errors
    fmt = request.GET.get("format")
    if report is not None and fmt == "csv":
        return _csv(report)
    context = {
        "customers": customers,
        "customer": customer,
        "offers": offers,
        "years": years,
        "rate": request.GET.get("rate", ""),
        "report": report,
        "errors": errors,
        "charts": _charts(report) if report else [],
    }
    if report is not None and fmt == "pdf":
        html = render_to_string("desk/tiers_tco_print.html", context, request=request)
        response = HttpResponse(pdf_from_html(html), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="tco-{customer.pk}.pdf"'  # type: ignore[union-attr]
        return response
    return render(request, "desk/tiers_offers.html", context, status=422 if errors else 200)


def component_names() -> dict[str, str]:
    return {
        "purchase": _("Purchase"),
        "warranty": _("Warranty upgrade and extensions"),
        "repairs": _("Repairs out of warranty"),
        "downtime": _("Expected downtime"),
    }


def _charts(report: dict[str, Any]) -> list[dict[str, Any]]:
    """One stacked bar chart per offer: each year's cost by component (whole units)."""
    names = component_names()
    out = []
    for offer in report["offers"]:
        groups = [_("Year %(n)d") % {"n": y["year"]} for y in offer["years"]]
        series = [
            (names[c], SERIES_COLOURS[i], [round(Decimal(y[c])) for y in offer["years"]])
            for i, c in enumerate(COMPONENTS)
        ]
        title = _("Cost per year of %(offer)s") % {"offer": offer["label"]}
        out.append({"offer": offer, "svg": stacked_bars(groups, series, title=title)})
    return out


def _csv(report: dict[str, Any]) -> HttpResponse:
    names = component_names()
    header = [_("Offer"), _("Year"), _("Covered"), *[names[c] for c in COMPONENTS], _("Total")]
    rows = [
        [o["label"], y["year"], y["covered"], *[y[c] for c in COMPONENTS], y["total"]]
        for o in report["offers"]
        for y in o["years"]
    ]
    response = HttpResponse(csv_bytes(header, rows, bom=True), content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="tco-{report["customer_id"]}.csv"'
    return response
