"""Desk pages of backups and drills: policies with each copy's achieved RPO, runs, drills
(record evidence and findings). Reads through backups.selectors, writes through services."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from servicepact.accounts.actors import actor_of
from servicepact.accounts.selectors import staff_timezone
from servicepact.backups.choices import DrillKind, DueStatus, RunStatus
from servicepact.backups.models import DrillDue
from servicepact.backups.rpo import copy_states
from servicepact.backups.selectors import drills_for, policies_for, runs_for, schedules_for
from servicepact.backups.services import (
    add_drill_finding,
    add_uploaded_evidence,
    create_drill_schedule,
    sync_drill_schedules,
)
from servicepact.contracts.models import Contract
from servicepact.contracts.selectors import contracts_for
from servicepact.core.errors import DomainValidationError
from servicepact.core.pagination import paginate_page
from servicepact.core.time import now
from servicepact.desk.access import staff_required
from servicepact.tickets.attachments import download_response


def _problems(exc: DomainValidationError) -> str:
    return "; ".join(m for problems in exc.errors.values() for m in problems)


@require_GET
@staff_required
def backup_policies(request: HttpRequest) -> HttpResponse:
    """Every policy with each required copy's last good backup and achieved RPO now."""
    qs = policies_for(request.user).filter(is_active=True).order_by("asset__hostname", "name")
    page = paginate_page(qs, page=request.GET.get("page"), per_page=50)
    states = copy_states(page.items, now())
    return render(
        request,
        "desk/backups.html",
        {
            "page": page,
            "page_query": "",
            "states": states,
            "agent_tz": staff_timezone(request.user),
        },
    )


@require_GET
@staff_required
def backup_runs(request: HttpRequest) -> HttpResponse:
    qs = runs_for(request.user).order_by("-started_at", "-pk")
    status = request.GET.get("status", "")
    unmatched = request.GET.get("unmatched", "") == "1"
    if status in RunStatus.values:
        qs = qs.filter(status=status)
    if unmatched:
        qs = qs.filter(asset__isnull=True)
    page = paginate_page(qs, page=request.GET.get("page"), per_page=50)
    query = urlencode(
        {k: v for k, v in (("status", status), ("unmatched", "1" if unmatched else "")) if v}
    )
    return render(
        request,
        "desk/backup_runs.html",
        {
            "page": page,
            "page_query": query,
            "status": status,
            "unmatched": unmatched,
            "statuses": RunStatus.choices,
            "agent_tz": staff_timezone(request.user),
        },
    )


@require_GET
@staff_required
def drill_list(request: HttpRequest) -> HttpResponse:
    dues = (
        DrillDue.objects.filter(schedule__in=schedules_for(request.user), status="pending")
        .select_related("schedule__contract")
        .order_by("due_at")[:100]
    )
    page = paginate_page(
        drills_for(request.user).order_by("-finished_at", "-pk"),
        page=request.GET.get("page"),
        per_page=50,
    )
    return render(
        request,
        "desk/drills.html",
        {"dues": dues, "page": page, "page_query": "", "agent_tz": staff_timezone(request.user)},
    )


def _drill_page(request: HttpRequest, pk: int, status: int = 200, error: str = "") -> HttpResponse:
    drill = get_object_or_404(drills_for(request.user), pk=pk)
    return render(
        request,
        "desk/drill.html",
        {
            "drill": drill,
            "findings": drill.findings.select_related("ticket"),
            "evidence": drill.evidence.all(),
            "error": error,
            "agent_tz": staff_timezone(request.user),
        },
        status=status,
    )


@require_GET
@staff_required
def drill_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _drill_page(request, pk)


@require_POST
@staff_required
def drill_evidence_add(request: HttpRequest, pk: int) -> HttpResponse:
    drill = get_object_or_404(drills_for(request.user), pk=pk)
    try:
        add_uploaded_evidence(
            drill=drill, upload=request.FILES.get("file"), actor=actor_of(request)
        )
    except DomainValidationError as exc:
        return _drill_page(request, pk, 422, _problems(exc))
    messages.success(request, _("Evidence added."))
    return redirect("desk:drill", pk=pk)


@require_POST
@staff_required
def drill_finding_add(request: HttpRequest, pk: int) -> HttpResponse:
    drill = get_object_or_404(drills_for(request.user), pk=pk)
    try:
        add_drill_finding(drill=drill, text=request.POST.get("text", ""), actor=actor_of(request))
    except DomainValidationError as exc:
        return _drill_page(request, pk, 422, _problems(exc))
    messages.success(request, _("Finding added with its follow-up ticket."))
    return redirect("desk:drill", pk=pk)


@require_GET
@staff_required
def drill_evidence(request: HttpRequest, pk: int, file_id: int) -> HttpResponseBase:
    drill = get_object_or_404(drills_for(request.user), pk=pk)
    return download_response(get_object_or_404(drill.evidence.all(), pk=file_id))


# ---------------------------------------------------------------- drill schedules


class DrillScheduleForm(forms.Form):
    contract = forms.ModelChoiceField(
        label=gettext_lazy("Contract"), queryset=Contract.objects.none()
    )
    kind = forms.ChoiceField(label=gettext_lazy("Drill"), choices=DrillKind.choices)
    interval_months = forms.IntegerField(
        label=gettext_lazy("Every (months)"), min_value=1, max_value=60, initial=3
    )
    first_due_on = forms.DateField(
        label=gettext_lazy("First due on"), widget=forms.DateInput(attrs={"type": "date"})
    )
    scope = forms.CharField(label=gettext_lazy("Scope"), required=False, max_length=500)
    warn_days = forms.IntegerField(
        label=gettext_lazy("Warn (days before)"), min_value=0, max_value=365, initial=14
    )

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["contract"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = contracts_for(user).order_by("number")


def _schedules_page(
    request: HttpRequest, form: DrillScheduleForm | None = None, status: int = 200
) -> HttpResponse:
    schedules = (
        schedules_for(request.user)
        .select_related("contract", "kpi")
        .prefetch_related("dues")
        .order_by("-is_active", "contract__number", "kind", "pk")
    )
    page = paginate_page(schedules, page=request.GET.get("page"), per_page=50)
    rows = [
        (
            s,
            min(
                (d for d in s.dues.all() if d.status == DueStatus.PENDING),
                key=lambda d: d.due_on,
                default=None,
            ),
        )
        for s in page.items
    ]
    return render(
        request,
        "desk/drill_schedules.html",
        {
            "rows": rows,
            "page": page,
            "page_query": "",
            "form": form or DrillScheduleForm(user=request.user),
            "agent_tz": staff_timezone(request.user),
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
@staff_required
def drill_schedules(request: HttpRequest) -> HttpResponse:
    """The drill schedules with their next due date; a schedule set up by hand (POST)."""
    if request.method != "POST":
        return _schedules_page(request)
    form = DrillScheduleForm(request.POST, user=request.user)
    if not form.is_valid():
        return _schedules_page(request, form, 422)
    data = form.cleaned_data
    try:
        create_drill_schedule(
            contract=data["contract"],
            kind=data["kind"],
            interval_months=data["interval_months"],
            first_due_on=data["first_due_on"],
            scope=data["scope"],
            warn_days=data["warn_days"],
        )
    except DomainValidationError as exc:
        for name, problems in exc.errors.items():
            form.add_error(name if name in form.fields else None, problems)
        return _schedules_page(request, form, 422)
    messages.success(request, _("Drill schedule set up."))
    return redirect("desk:drill-schedules")


@require_POST
@staff_required
def drill_schedules_sync(request: HttpRequest) -> HttpResponse:
    """The contracts' backup-drill commitments as schedules now (the worker does it too)."""
    changed = sync_drill_schedules()
    messages.success(
        request,
        ngettext(
            "%(n)s schedule derived from the contracts' commitments.",
            "%(n)s schedules derived from the contracts' commitments.",
            changed,
        )
        % {"n": changed},
    )
    return redirect("desk:drill-schedules")
