"""Work logs from the ticket page: who worked, on which day, how long, what kind of work,
billable or not, and a note; stored by ``billing.services.log_work`` (billable time counts
against the contract's included hours)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from servicepact.accounts.actors import actor_of
from servicepact.billing.services import delete_work_log, edit_work_log, log_work
from servicepact.core.errors import DomainValidationError
from servicepact.desk.access import staff_required
from servicepact.desk.views import ticket_page_context
from servicepact.desk.worklog_forms import (
    WorkLogForm,
    started_at,
    worklog_context,
    worklog_edit_form,
)
from servicepact.tickets.selectors import get_ticket


@require_POST
@staff_required
def ticket_worklog(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = get_ticket(request.user, pk)
    form = WorkLogForm(request.POST, prefix="work")
    status, error = 422, ""
    if form.is_valid():
        data = form.cleaned_data
        try:
            log_work(
                ticket=ticket,
                user=data["user"],
                minutes=data["minutes"],
                day=data["date"],
                started_at=started_at(ticket, data),
                category=data["category"],
                work_type=data["work_type"],
                role=data["role"],
                billable=data["billable"],
                note=data["note"],
                actor=actor_of(request),
            )
        except PermissionDenied as exc:
            status, error = 403, str(exc)
        except DomainValidationError as exc:
            for field, problems in exc.errors.items():
                form.add_error(field if field in form.fields else None, problems)
        else:
            messages.success(request, _("Work logged."))
            return redirect(reverse("desk:ticket", args=[ticket.pk]) + "#work")
    context = ticket_page_context(request, ticket, error=error)
    context.update(worklog_context(ticket, request.user, form))
    return render(request, "desk/ticket.html", context, status=status)


@require_POST
@staff_required
def ticket_worklog_delete(request: HttpRequest, pk: int, log_id: int) -> HttpResponse:
    """Deletes a work log of the ticket (audited with the reason); a closed month is a 422."""
    ticket = get_ticket(request.user, pk)
    log = get_object_or_404(ticket.work_logs.all(), pk=log_id)
    try:
        delete_work_log(
            log=log, actor=actor_of(request), reason=request.POST.get("reason", "")[:300]
        )
    except DomainValidationError as exc:
        problems = "; ".join(p for ps in exc.errors.values() for p in ps)
        context = ticket_page_context(request, ticket, error=problems)
        context.update(worklog_context(ticket, request.user))
        return render(request, "desk/ticket.html", context, status=422)
    messages.success(request, _("Work log deleted."))
    return redirect(reverse("desk:ticket", args=[ticket.pk]) + "#work")


@require_http_methods(["GET", "POST"])
@staff_required
def ticket_worklog_edit(request: HttpRequest, pk: int, log_id: int) -> HttpResponse:
    """The edit form of one work log; saved by ``billing.services.edit_work_log``, the
    service the API's PATCH calls (the same checks, the same audit record with the reason)."""
    ticket = get_ticket(request.user, pk)
    log = get_object_or_404(ticket.work_logs.select_related("user", "ticket"), pk=log_id)
    form = worklog_edit_form(log, request.POST if request.method == "POST" else None)
    status, error = 200, ""
    if request.method == "POST":
        status = 422
        if form.is_valid():
            data = form.cleaned_data
            try:
                edit_work_log(
                    log=log,
                    actor=actor_of(request),
                    reason=data["reason"],
                    user=data["user"],
                    minutes=data["minutes"],
                    date=data["date"],
                    started_at=started_at(ticket, data),
                    work_type=data["work_type"],
                    role=data["role"],
                    category=data["category"],
                    billable=data["billable"],
                    note=data["note"],
                )
            except PermissionDenied as exc:
                status, error = 403, str(exc)
            except DomainValidationError as exc:
                for field, problems in exc.errors.items():
                    form.add_error(field if field in form.fields else None, problems)
            else:
                messages.success(request, _("Work log changed."))
                return redirect(reverse("desk:ticket", args=[ticket.pk]) + "#work")
    return render(
        request,
        "desk/worklog_edit.html",
        {"ticket": ticket, "log": log, "form": form, "error": error},
        status=status,
    )
