"""Desk pages of emergency response and the contract end (docs/incidents.md,
docs/contract-end.md): declare a major incident from a ticket, the incident and its report,
the contract-end plans whose export is not confirmed, and a plan's evidenced exit steps."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from servicepact.accounts.actors import actor_of
from servicepact.backups.choices import RunStatus
from servicepact.backups.models import BackupRun
from servicepact.contractend import services as ends
from servicepact.contractend.backups import last_verified_backups
from servicepact.contractend.choices import BackupOutcome
from servicepact.contractend.selectors import plans_for, unconfirmed_plans
from servicepact.core.errors import DomainValidationError, TransitionError
from servicepact.core.pagination import paginate_page
from servicepact.desk.access import staff_required
from servicepact.incidents import services
from servicepact.incidents.render import context as report_context
from servicepact.incidents.selectors import emergency_contacts_for, incidents_for, levels_of
from servicepact.tickets.selectors import get_ticket

Errors = dict[str, list[str]]


def _errors(exc: Exception) -> Errors:
    if isinstance(exc, DomainValidationError):
        return exc.errors
    return {"__all__": [str(getattr(exc, "message", exc))]}


@staff_required
@require_POST
def incident_declare(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = get_ticket(request.user, pk)
    try:
        level = int(request.POST.get("level", "0"))
    except ValueError:
        level = 0
    try:
        incident = services.declare_major_incident(
            ticket=ticket,
            level=level,
            summary=request.POST.get("summary", ""),
            actor=actor_of(request),
        )
    except (DomainValidationError, TransitionError, PermissionDenied) as exc:
        return render(
            request,
            "desk/incidents/declare_failed.html",
            {"ticket": ticket, "errors": _errors(exc)},
            status=422 if isinstance(exc, DomainValidationError) else 409,
        )
    return redirect("desk:incident", pk=incident.pk)


def _incident(request: HttpRequest, pk: int) -> Any:
    incident = incidents_for(request.user).filter(pk=pk).first()
    if incident is None:
        raise Http404(_("No such major incident"))
    return incident


def _restore_runs(incident: Any) -> Any:
    """The good backup runs of the incident's customer, newest first (what a report cites)."""
    return (
        BackupRun.objects.filter(
            asset__customer_id=incident.contract.customer_id, status=RunStatus.SUCCEEDED
        )
        .select_related("asset")
        .order_by("-started_at", "-pk")
    )


@staff_required
def incident_detail(request: HttpRequest, pk: int) -> HttpResponse:
    incident = _incident(request, pk)
    errors: Errors = {}
    report = incident.report
    if request.method == "POST":
        action = request.POST.get("action", "save")
        try:
            if action == "publish":
                services.publish_report(report=report, actor=actor_of(request))
            elif action == "timeline":
                services.regenerate_timeline(report=report, actor=actor_of(request))
            else:
                lost = request.POST.get("data_lost", "")
                run_id = request.POST.get("restored_run", "")
                run = (
                    _restore_runs(incident).filter(pk=run_id).first() if run_id.isdigit() else None
                )
                if run_id and run is None:
                    raise DomainValidationError(
                        {"restored_run": [_("Choose a listed backup run.")]}
                    )
                services.update_report(
                    report=report,
                    actor=actor_of(request),
                    root_cause=request.POST.get("root_cause", ""),
                    data_lost=None if lost == "" else lost == "yes",
                    data_loss=request.POST.get("data_loss", ""),
                    restored_from=request.POST.get("restored_from", ""),
                    restored_run=run,
                    apology=request.POST.get("apology", ""),
                )
            return redirect("desk:incident", pk=incident.pk)
        except (DomainValidationError, TransitionError, PermissionDenied) as exc:
            errors = _errors(exc)
        report.refresh_from_db()
    return render(
        request,
        "desk/incidents/incident.html",
        {
            "incident": incident,
            "contacts": emergency_contacts_for(incident.contract, incident.level),
            "runbooks": incident.runbooks.all(),
            "levels": levels_of(incident.contract),
            "restore_runs": _restore_runs(incident)[:30],
            "errors": errors,
            **report_context(report),
        },
        status=422 if errors else 200,
    )


@staff_required
def end_plans(request: HttpRequest) -> HttpResponse:
    page = paginate_page(unconfirmed_plans(request.user), page=request.GET.get("page"), per_page=50)
    return render(request, "desk/incidents/end_plans.html", {"page": page})


@staff_required
def end_plan(request: HttpRequest, pk: int) -> HttpResponse:
    plan = plans_for(request.user).filter(pk=pk).first()
    if plan is None:
        raise Http404(_("No such contract-end plan"))
    errors: Errors = {}
    if request.method == "POST":
        try:
            ends.complete_step(
                plan=plan,
                code=request.POST.get("code", ""),
                actor=actor_of(request),
                note=request.POST.get("note", ""),
                outcome=request.POST.get("outcome", ""),
                evidence=request.FILES.get("evidence"),
            )
            return redirect("desk:end-plan", pk=plan.pk)
        except (DomainValidationError, TransitionError, PermissionDenied) as exc:
            errors = _errors(exc)
    return render(
        request,
        "desk/incidents/end_plan.html",
        {
            "plan": plan,
            "steps": plan.steps.select_related("done_by"),
            "backups": last_verified_backups(plan.contract),
            "outcomes": BackupOutcome.choices,
            "errors": errors,
        },
        status=422 if errors else 200,
    )
