"""Desk pages of backups and drills: policies with each copy's achieved RPO, runs, drills
(record evidence and findings). Reads through backups.selectors, writes through services."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from servicepact.accounts.actors import actor_of
from servicepact.accounts.selectors import staff_timezone
from servicepact.backups.choices import RunStatus
from servicepact.backups.models import DrillDue
from servicepact.backups.rpo import copy_states
from servicepact.backups.selectors import drills_for, policies_for, runs_for, schedules_for
from servicepact.backups.services import add_drill_evidence, add_drill_finding
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
    upload = request.FILES.get("file")
    if upload is None:
        return _drill_page(request, pk, 422, _("Choose a file to upload."))
    try:
        add_drill_evidence(
            drill=drill,
            name=upload.name or "evidence",
            content=upload,
            content_type=upload.content_type or "",
            actor=actor_of(request),
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
