"""Portal pages of preventive inspections: the customer's visits (next ones and done ones),
a visit's report page and its PDF. Another customer's visit is a 404."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from servicepact.core.pagination import paginate_page
from servicepact.core.time import now
from servicepact.inspections.choices import VisitStatus
from servicepact.inspections.render import context as report_context
from servicepact.inspections.render import pdf_response
from servicepact.inspections.selectors import upcoming_visits, visit_detail, visits_for
from servicepact.portal.access import contact_required
from servicepact.tickets.attachments import download_response

UPCOMING = 20


@require_GET
@contact_required
def visit_list(request: HttpRequest) -> HttpResponse:
    done = visits_for(request.user).exclude(status=VisitStatus.SCHEDULED)
    page = paginate_page(
        done.order_by("-scheduled_at", "-pk"), page=request.GET.get("page"), per_page=50
    )
    return render(
        request,
        "portal/inspections.html",
        {
            "upcoming": upcoming_visits(request.user, now())[:UPCOMING],
            "page": page,
            "page_query": "",
            "tz": request.contact.customer.timezone,  # type: ignore[attr-defined]
        },
    )


@require_GET
@contact_required
def visit_page(request: HttpRequest, pk: int) -> HttpResponse:
    visit = get_object_or_404(visit_detail(request.user), pk=pk)
    return render(request, "portal/inspection_visit.html", report_context(visit))


@require_GET
@contact_required
def visit_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    visit = get_object_or_404(visit_detail(request.user), pk=pk)
    return pdf_response(visit)


@require_GET
@contact_required
def visit_file(request: HttpRequest, pk: int, file_id: int) -> HttpResponseBase:
    visit = get_object_or_404(visit_detail(request.user), pk=pk)
    return download_response(get_object_or_404(visit.files.all(), pk=file_id))
