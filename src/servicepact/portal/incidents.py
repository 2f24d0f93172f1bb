"""Portal pages of emergency response and the contract end: a published post-incident report
(with its PDF), and the contract-end checklist where the customer confirms its export.
Another customer's, or a draft report, is a 404."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from servicepact.accounts.actors import actor_of
from servicepact.contractend import services as ends
from servicepact.contractend.backups import last_verified_backups
from servicepact.contractend.selectors import plans_for
from servicepact.core.errors import DomainValidationError, TransitionError
from servicepact.incidents.models import IncidentReport
from servicepact.incidents.render import context, pdf_filename, render_pdf
from servicepact.incidents.selectors import reports_for
from servicepact.portal.access import contact_required


def _report(request: HttpRequest, pk: int) -> IncidentReport:
    report = reports_for(request.user).filter(incident_id=pk).first()
    if report is None:
        raise Http404(_("No such report"))
    return report


@contact_required
def incident_report(request: HttpRequest, pk: int) -> HttpResponse:
    report = _report(request, pk)
    return render(request, "portal/incidents/report.html", context(report))


@contact_required
def incident_report_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    report = _report(request, pk)
    response = HttpResponse(render_pdf(report), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{pdf_filename(report)}"'
    return response


@contact_required
def contract_end(request: HttpRequest, pk: int) -> HttpResponse:
    plan = plans_for(request.user).filter(pk=pk).first()
    if plan is None:
        raise Http404(_("No such checklist"))
    error = ""
    if request.method == "POST":
        try:
            ends.confirm_export(
                plan=plan, actor=actor_of(request), note=request.POST.get("note", "")
            )
            return redirect("portal:contract-end", pk=plan.pk)
        except (DomainValidationError, TransitionError, PermissionDenied) as exc:
            error = str(getattr(exc, "message", exc))
    return render(
        request,
        "portal/incidents/contract_end.html",
        {"plan": plan, "backups": last_verified_backups(plan.contract), "error": error},
        status=422 if error else 200,
    )
