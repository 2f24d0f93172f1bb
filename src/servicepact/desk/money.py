"""Staff pages of the money: a contract's scope, rates and hours ledger (adjust, request and
decide conversions), the period charges of every contract (approve to final). Each POST
calls one ``billing.commercial`` service and redirects; a refusal re-renders with 403 (role),
409 (state) or 422 (the field named)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from servicepact.accounts.actors import actor_of
from servicepact.billing.charges import charge_snapshot, charges_for, download
from servicepact.billing.choices import Bucket, ChargeStatus, ConversionStatus
from servicepact.billing.commercial import (
    adjust_hours,
    approve_charge,
    approve_fee_change,
    decide_conversion,
    propose_fee_change,
    request_conversion,
    withdraw_fee_change,
)
from servicepact.billing.hours import fee_changes_visible, ledger_csv, ledger_page
from servicepact.billing.models import HoursConversion
from servicepact.billing.periods import Period
from servicepact.billing.renewals import (
    prepare_renewal,
    renewals_visible,
    send_renewal,
    withdraw_renewal,
)
from servicepact.billing.services import may_decide_credits
from servicepact.contracts.models import Contract, ServicePlan
from servicepact.core.errors import DomainValidationError, TransitionError
from servicepact.core.pagination import paginate_page
from servicepact.core.time import now
from servicepact.desk.access import staff_required

FORMATS = ("csv", "pdf", "html")


class AdjustForm(forms.Form):
    period = forms.CharField(label=gettext_lazy("Period (YYYY-MM)"), max_length=7)
    hours = forms.DecimalField(
        label=gettext_lazy("Hours (negative to remove)"), max_digits=8, decimal_places=2
    )
    bucket = forms.ChoiceField(label=gettext_lazy("Balance"), choices=Bucket.choices)
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=300)


class ConversionForm(forms.Form):
    period = forms.CharField(label=gettext_lazy("Period (YYYY-MM)"), max_length=7)
    hours = forms.DecimalField(
        label=gettext_lazy("Maintenance hours"), max_digits=8, decimal_places=2, min_value=0
    )
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=300)


class FeeChangeForm(forms.Form):
    fee_amount = forms.DecimalField(
        label=gettext_lazy("New fee per fee period"), max_digits=12, decimal_places=2
    )
    included_hours = forms.DecimalField(
        label=gettext_lazy("New included hours per fee period"), max_digits=8, decimal_places=2
    )
    effective_from = forms.DateField(
        label=gettext_lazy("From (any day; the month is split pro rata by days)"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=300)


class RenewalForm(forms.Form):
    end_date = forms.DateField(
        label=gettext_lazy("New term ends"), widget=forms.DateInput(attrs={"type": "date"})
    )
    fee_amount = forms.DecimalField(
        label=gettext_lazy("Fee per fee period"), max_digits=12, decimal_places=2
    )
    plan = forms.ModelChoiceField(
        label=gettext_lazy("New service plan (empty: unchanged)"),
        queryset=ServicePlan.objects.filter(is_active=True).order_by("name"),
        required=False,
    )
    included_hours = forms.DecimalField(
        label=gettext_lazy("Included hours per fee period (empty: unchanged)"),
        max_digits=8,
        decimal_places=2,
        min_value=0,
        required=False,
    )
    note = forms.CharField(label=gettext_lazy("Note"), max_length=300, required=False)


def _contract(pk: int) -> Contract:
    return get_object_or_404(Contract.objects.select_related("customer", "plan__calendar"), pk=pk)


def _hours_page(
    request: HttpRequest,
    contract: Contract,
    *,
    adjust: AdjustForm | None = None,
    convert: ConversionForm | None = None,
    fee: FeeChangeForm | None = None,
    renewal: RenewalForm | None = None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    moment = now()
    current = str(Period.containing(moment, contract.customer.timezone))
    context = ledger_page(request.user, contract, moment)
    context.update(
        contract=contract,
        adjust_form=adjust or AdjustForm(prefix="adj", initial={"period": current}),
        convert_form=convert or ConversionForm(prefix="conv", initial={"period": current}),
        conversions=contract.conversions.order_by("-requested_at")[:20],
        charges=charges_for(request.user).filter(contract=contract).order_by("-period")[:24],
        may_decide=may_decide_credits(actor_of(request)),
        fee_form=fee or FeeChangeForm(prefix="fee"),
        fee_changes=fee_changes_visible(request.user).filter(contract=contract)[:20],
        renewal_form=renewal
        or RenewalForm(prefix="renew", initial={"fee_amount": contract.fee_amount}),
        renewals=renewals_visible(request.user).filter(contract=contract)[:20],
        error=error,
    )
    return render(request, "desk/hours.html", context, status=status)


@require_GET
@staff_required
def contract_hours(request: HttpRequest, pk: int) -> HttpResponse:
    contract = _contract(pk)
    if request.GET.get("format") == "csv":
        response = HttpResponse(ledger_csv(request.user, contract), content_type="text/csv")
        response["Content-Disposition"] = f'attachment; filename="hours-{contract.number}.csv"'
        return response
    return _hours_page(request, contract)


def _attempt(form: forms.Form, call: Callable[[dict[str, Any]], Any]) -> tuple[int, str] | None:
    if not form.is_valid():
        return 422, ""
    try:
        call(form.cleaned_data)
    except PermissionDenied as exc:
        return 403, str(exc)
    except TransitionError as exc:
        return 409, exc.message
    except DomainValidationError as exc:
        for field, problems in exc.errors.items():
            form.add_error(field if field in form.fields else None, problems)
        return 422, ""
    return None


def _back(contract: Contract) -> HttpResponse:
    return redirect(reverse("desk:contract-hours", args=[contract.pk]))


def _post_form(
    request: HttpRequest,
    contract: Contract,
    *,
    form: forms.Form,
    slot: str,
    call: Callable[[dict[str, Any]], Any],
    done: str,
) -> HttpResponse:
    """Validates ``form``, calls the service, redirects; a refusal re-renders the page with
    the form in ``slot`` (its errors) and the status (403, 409, 422)."""
    refused = _attempt(form, call)
    if refused:
        page_forms: dict[str, Any] = {slot: form}
        return _hours_page(request, contract, status=refused[0], error=refused[1], **page_forms)
    messages.success(request, done)
    return _back(contract)


def _decide(
    request: HttpRequest, contract: Contract, call: Callable[[], Any], done: str
) -> HttpResponse:
    """Runs a decision button's service; a refusal re-renders the page with 403/409/422."""
    try:
        call()
    except PermissionDenied as exc:
        return _hours_page(request, contract, status=403, error=str(exc))
    except TransitionError as exc:
        return _hours_page(request, contract, status=409, error=exc.message)
    except DomainValidationError as exc:
        problems = "; ".join(p for ps in exc.errors.values() for p in ps)
        return _hours_page(request, contract, status=422, error=problems)
    messages.success(request, done)
    return _back(contract)


@require_POST
@staff_required
def contract_hours_adjust(request: HttpRequest, pk: int) -> HttpResponse:
    contract = _contract(pk)
    return _post_form(
        request,
        contract,
        form=AdjustForm(request.POST, prefix="adj"),
        slot="adjust",
        call=lambda d: adjust_hours(
            contract=contract,
            period=Period.parse(d["period"]),
            hours=d["hours"],
            reason=d["reason"],
            bucket=d["bucket"],
            actor=actor_of(request),
        ),
        done=_("Hours adjusted."),
    )


@require_POST
@staff_required
def contract_conversion(request: HttpRequest, pk: int) -> HttpResponse:
    contract = _contract(pk)
    return _post_form(
        request,
        contract,
        form=ConversionForm(request.POST, prefix="conv"),
        slot="convert",
        call=lambda d: request_conversion(
            contract=contract,
            period=Period.parse(d["period"]),
            hours=d["hours"],
            reason=d["reason"],
            actor=actor_of(request),
        ),
        done=_("Conversion requested."),
    )


@require_POST
@staff_required
def conversion_decide(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    if action not in ("approve", "reject"):
        raise Http404("No such action")
    conversion = get_object_or_404(
        HoursConversion.objects.filter(status=ConversionStatus.REQUESTED), pk=pk
    )
    return _decide(
        request,
        _contract(conversion.contract_id),
        lambda: decide_conversion(
            conversion=conversion, approve=action == "approve", actor=actor_of(request)
        ),
        _("Conversion decided."),
    )


@require_GET
@staff_required
def charge_list(request: HttpRequest) -> HttpResponse:
    qs = charges_for(request.user).order_by("-period", "contract__number")
    status = request.GET.get("status", "")
    period = request.GET.get("period", "")
    if status in ChargeStatus.values:
        qs = qs.filter(status=status)
    if period:
        qs = qs.filter(period=period[:7])
    page = paginate_page(qs, page=request.GET.get("page"), per_page=50)
    query = urlencode({k: v for k, v in (("status", status), ("period", period)) if v})
    return render(
        request,
        "desk/charges.html",
        {
            "page": page,
            "page_query": query,
            "status": status,
            "period": period,
            "statuses": ChargeStatus.choices,
        },
    )


@staff_required
def charge_detail(request: HttpRequest, pk: int) -> HttpResponse:
    charge = get_object_or_404(charges_for(request.user), pk=pk)
    status, error = 200, ""
    if request.method == "POST":
        try:
            approve_charge(charge=charge, actor=actor_of(request))
        except PermissionDenied as exc:
            status, error = 403, str(exc)
        except TransitionError as exc:
            status, error = 409, exc.message
        else:
            messages.success(request, _("The charge is final."))
            return redirect(reverse("desk:charge", args=[charge.pk]))
        charge = get_object_or_404(charges_for(request.user), pk=pk)
    snapshot = charge_snapshot(charge)
    fmt = request.GET.get("format", "")
    if request.method == "GET" and fmt in FORMATS:
        return download(snapshot, fmt, request)
    context = {
        "charge": snapshot,
        "may_approve": may_decide_credits(actor_of(request))
        and charge.status == ChargeStatus.DRAFT,
        "error": error,
    }
    return render(request, "desk/charge.html", context, status=status)


@require_POST
@staff_required
def fee_change_propose(request: HttpRequest, pk: int) -> HttpResponse:
    contract = _contract(pk)
    return _post_form(
        request,
        contract,
        form=FeeChangeForm(request.POST, prefix="fee"),
        slot="fee",
        call=lambda d: propose_fee_change(contract=contract, actor=actor_of(request), **d),
        done=_("Fee change proposed."),
    )


@require_POST
@staff_required
def fee_change_decide(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    steps = {"approve": approve_fee_change, "withdraw": withdraw_fee_change}
    if action not in steps:
        raise Http404("No such action")
    change = get_object_or_404(fee_changes_visible(request.user), pk=pk)
    return _decide(
        request,
        _contract(change.contract_id),
        lambda: steps[action](change=change, actor=actor_of(request)),
        _("Fee change updated."),
    )


@require_POST
@staff_required
def renewal_prepare(request: HttpRequest, pk: int) -> HttpResponse:
    contract = _contract(pk)
    return _post_form(
        request,
        contract,
        form=RenewalForm(request.POST, prefix="renew"),
        slot="renewal",
        call=lambda d: prepare_renewal(contract=contract, actor=request.user, **d),
        done=_("Renewal proposal prepared."),
    )


@require_POST
@staff_required
def renewal_decide(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    steps = {"send": send_renewal, "withdraw": withdraw_renewal}
    if action not in steps:
        raise Http404("No such action")
    proposal = get_object_or_404(renewals_visible(request.user), pk=pk)
    return _decide(
        request,
        _contract(proposal.contract_id),
        lambda: steps[action](proposal=proposal, actor=request.user),
        _("Renewal proposal updated."),
    )
