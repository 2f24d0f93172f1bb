"""Desk pages of preventive inspections: plans (list, new), upcoming visits (SQL-limited,
paginated), a visit's page to record results, advice, photos and the customer's signature,
and its PDF report. Reads through inspections.selectors, writes through services."""

from __future__ import annotations

from collections.abc import Callable
from datetime import time

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from servicepact.accounts.actors import actor_of
from servicepact.accounts.models import Team
from servicepact.accounts.selectors import staff_timezone
from servicepact.assets.models import Asset
from servicepact.contracts.models import Contract
from servicepact.core.errors import DomainValidationError, TransitionError
from servicepact.core.pagination import paginate_page
from servicepact.core.time import local_date, now
from servicepact.core.widgets import QuickSelect
from servicepact.desk.access import staff_required
from servicepact.inspections.checks import parse_checklist
from servicepact.inspections.choices import VisitAction, allowed
from servicepact.inspections.render import context as report_context
from servicepact.inspections.render import pdf_response
from servicepact.inspections.selectors import plans_for, upcoming_visits, visit_detail
from servicepact.inspections.services import (
    ResultSpec,
    add_visit_photo,
    create_inspection_plan,
    deactivate_inspection_plan,
    record_visit_results,
    sign_visit,
)
from servicepact.tickets.attachments import download_response

PER_PAGE = 50


def _problems(exc: DomainValidationError) -> str:
    return "; ".join(m for problems in exc.errors.values() for m in problems)


def _act(request: HttpRequest, pk: int, write: Callable[[], object], done: str) -> HttpResponse:
    """Runs a write of the visit: its page again with the refusal (409, 422), or back to
    it with ``done``."""
    try:
        write()
    except TransitionError as exc:
        return _visit_page(request, pk, 409, exc.message)
    except DomainValidationError as exc:
        return _visit_page(request, pk, 422, _problems(exc))
    messages.success(request, done)
    return redirect("desk:inspection-visit", pk=pk)


@require_GET
@staff_required
def plan_list(request: HttpRequest) -> HttpResponse:
    qs = plans_for(request.user).order_by("customer__name", "name", "pk")
    page = paginate_page(qs, page=request.GET.get("page"), per_page=PER_PAGE)
    return render(request, "desk/inspection_plans.html", {"page": page, "page_query": ""})


@require_POST
@staff_required
def plan_deactivate(request: HttpRequest, pk: int) -> HttpResponse:
    """Stops a plan (``inspections.services.deactivate_inspection_plan``); an inactive one
    again is a 409 on the plans page."""
    plan = get_object_or_404(plans_for(request.user), pk=pk)
    try:
        removed = deactivate_inspection_plan(plan=plan, actor=actor_of(request))
    except TransitionError as exc:
        messages.error(request, exc.message)
        return redirect("desk:inspection-plans")
    messages.success(
        request,
        ngettext(
            "Plan deactivated; %(n)d scheduled visit removed.",
            "Plan deactivated; %(n)d scheduled visits removed.",
            removed,
        )
        % {"n": removed},
    )
    return redirect("desk:inspection-plans")


class PlanForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=100)
    contract = forms.ModelChoiceField(
        label=gettext_lazy("Contract"),
        queryset=Contract.objects.select_related("customer").order_by("number"),
        widget=QuickSelect,
    )
    hostnames = forms.CharField(
        label=gettext_lazy("Assets (host names, comma-separated; empty: none)"),
        required=False,
        max_length=2000,
    )
    rrule = forms.CharField(
        label=gettext_lazy("Recurrence (RFC 5545 RRULE)"),
        max_length=500,
        initial="FREQ=MONTHLY;INTERVAL=3;BYDAY=1MO;BYSETPOS=1",
    )
    starts_on = forms.DateField(
        label=gettext_lazy("Starts on"), widget=forms.DateInput(attrs={"type": "date"})
    )
    time_of_day = forms.TimeField(
        label=gettext_lazy("Local time of day (customer's time zone)"),
        initial=time(9, 0),
        widget=forms.TimeInput(attrs={"type": "time"}),
    )
    team = forms.ModelChoiceField(
        label=gettext_lazy("Assigned team"), queryset=Team.objects.order_by("name"), required=False
    )
    checklist = forms.CharField(
        label=gettext_lazy("Checklist: one item a line, kind | label | expected | unit"),
        widget=forms.Textarea(attrs={"rows": 6}),
        initial="number | Inlet temperature | 18..27 | °C\nyesno | Fans spin freely | yes\n"
        "text | BMC firmware | 2.4.1",
    )


@require_http_methods(["GET", "POST"])
@staff_required
def plan_new(request: HttpRequest) -> HttpResponse:
    today = local_date(now(), staff_timezone(request.user))
    form = PlanForm(request.POST or None, initial={"starts_on": today})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        contract: Contract = data["contract"]
        names = [h.strip() for h in data["hostnames"].split(",") if h.strip()]
        assets = list(Asset.objects.filter(customer=contract.customer, hostname__in=names))
        missing = sorted(set(names) - {a.hostname for a in assets})
        try:
            if missing:
                raise DomainValidationError(
                    {"hostnames": [_("unknown host names: %(h)s") % {"h": ", ".join(missing)}]}
                )
            plan = create_inspection_plan(
                name=data["name"],
                rrule=data["rrule"],
                starts_on=data["starts_on"],
                time_of_day=data["time_of_day"],
                contract=contract,
                assets=assets,
                team=data["team"],
                items=parse_checklist(data["checklist"]),
                actor=actor_of(request),
            )
        except DomainValidationError as exc:
            for field, problems in exc.errors.items():
                form.add_error(field if field in form.fields else None, problems)
        else:
            messages.success(request, _("Plan %(name)s created.") % {"name": plan.name})
            return redirect("desk:inspection-visits")
    status = 422 if request.method == "POST" else 200
    return render(request, "desk/inspection_plan_new.html", {"form": form}, status=status)


@require_GET
@staff_required
def visit_list(request: HttpRequest) -> HttpResponse:
    """Scheduled visits from today on, soonest first: one SQL-limited page."""
    qs = upcoming_visits(request.user, now())
    page = paginate_page(qs, page=request.GET.get("page"), per_page=PER_PAGE)
    return render(
        request,
        "desk/inspection_visits.html",
        {"page": page, "page_query": "", "agent_tz": staff_timezone(request.user)},
    )


def _visit_page(request: HttpRequest, pk: int, status: int = 200, error: str = "") -> HttpResponse:
    visit = get_object_or_404(visit_detail(request.user), pk=pk)
    return render(
        request,
        "desk/inspection_visit.html",
        {
            **report_context(visit),
            "error": error,
            "agent_tz": staff_timezone(request.user),
            "may_record": allowed(VisitAction.RECORD, visit.status),
            "may_sign": allowed(VisitAction.SIGN, visit.status),
        },
        status=status,
    )


@require_GET
@staff_required
def visit_detail_page(request: HttpRequest, pk: int) -> HttpResponse:
    return _visit_page(request, pk)


@require_POST
@staff_required
def visit_results(request: HttpRequest, pk: int) -> HttpResponse:
    """The form posts ``value-<item>-<asset or 0>`` and ``note-…`` per row; empty rows are
    left as they are."""
    visit = get_object_or_404(visit_detail(request.user), pk=pk)
    specs = []
    for key in request.POST:
        value = request.POST.get(key, "")
        if not key.startswith("value-") or not value.strip():
            continue
        _prefix, item, asset = [*key.split("-"), "", ""][:3]
        if not item.isdigit() or not asset.isdigit():
            continue
        specs.append(
            ResultSpec(
                item_id=int(item),
                asset_id=int(asset) or None,
                value=value,
                note=request.POST.get(f"note-{item}-{asset}", ""),
            )
        )
    return _act(
        request,
        pk,
        lambda: record_visit_results(
            visit=visit, results=specs, advice=request.POST.get("advice"), actor=actor_of(request)
        ),
        _("Results saved."),
    )


@require_POST
@staff_required
def visit_photo(request: HttpRequest, pk: int) -> HttpResponse:
    visit = get_object_or_404(visit_detail(request.user), pk=pk)
    upload = request.FILES.get("file")
    if upload is None:
        return _visit_page(request, pk, 422, _("Choose a file to upload."))
    return _act(
        request,
        pk,
        lambda: add_visit_photo(
            visit=visit,
            name=upload.name or "photo",
            content=upload,
            content_type=upload.content_type or "",
            caption=request.POST.get("caption", ""),
            actor=actor_of(request),
        ),
        _("Photo added."),
    )


@require_POST
@staff_required
def visit_sign(request: HttpRequest, pk: int) -> HttpResponse:
    """The customer signs on the engineer's device: the name, and optionally the drawn
    signature as an image file."""
    visit = get_object_or_404(visit_detail(request.user), pk=pk)
    upload = request.FILES.get("signature")
    return _act(
        request,
        pk,
        lambda: sign_visit(
            visit=visit,
            signer_name=request.POST.get("signer_name", ""),
            signature=upload.read() if upload is not None else None,
            signature_type=(upload.content_type or "") if upload is not None else "image/png",
            actor=actor_of(request),
        ),
        _("Signature recorded."),
    )


@require_GET
@staff_required
def visit_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    visit = get_object_or_404(visit_detail(request.user), pk=pk)
    return pdf_response(visit)


@require_GET
@staff_required
def visit_file(request: HttpRequest, pk: int, file_id: int) -> HttpResponseBase:
    visit = get_object_or_404(visit_detail(request.user), pk=pk)
    return download_response(get_object_or_404(visit.files.all(), pk=file_id))
