"""Work logs from the ticket page: who worked, on which day, how long, what kind of work,
billable or not, and a note; stored by ``billing.services.log_work`` (billable time counts
against the contract's included hours)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from servicepact.accounts.actors import actor_of
from servicepact.billing.services import log_work
from servicepact.core.errors import DomainValidationError
from servicepact.desk.access import staff_required
from servicepact.desk.views import ticket_page_context
from servicepact.desk.worklog_forms import WorkLogForm, worklog_context
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
                work_type=data["work_type"],
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
