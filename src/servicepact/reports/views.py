"""Statement pages for the desk and the portal, the audit export and the provider dashboard.

Thin: parse, call a selector or builder, render. Tenancy through customers.selectors: a
contact reaches only its own customer's contracts (another's is a 404); desk pages and the
dashboard are for staff (anyone else gets a 404, not a hint that the page exists).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from servicepact.accounts.actors import actor_of
from servicepact.accounts.selectors import staff_timezone
from servicepact.billing import services as billing
from servicepact.billing.models import CreditAudit, PeriodCredit
from servicepact.billing.periods import Period
from servicepact.billing.renewal_risk import renewal_risks
from servicepact.contracts.models import Contract
from servicepact.contracts.selectors import get_contract
from servicepact.core.errors import DomainValidationError, TransitionError
from servicepact.core.time import now as current_time
from servicepact.customers.selectors import is_staff
from servicepact.reports import formats
from servicepact.reports.audit import stream_audit_export
from servicepact.reports.choices import ExportStatus
from servicepact.reports.dashboard import portfolio
from servicepact.reports.exports import expires_at, open_export_file, request_audit_export
from servicepact.reports.models import AuditExport
from servicepact.reports.selectors import (
    default_period,
    get_audit_export,
    statement_for,
    statement_page,
)

FORMATS = ("html", "pdf", "csv", "json", "csvzip")
View = Callable[..., HttpResponseBase]


class UnknownPeriod(ValueError):
    """``?period=`` is not a month a statement can have (core.periods.Period.parse)."""

    field = "period"


class UnknownBreachPage(UnknownPeriod):
    """``?breaches_page=`` is not a page of the month's breaches."""

    field = "breaches_page"


def _period(request: HttpRequest, contract: Contract) -> Period:
    text = request.GET.get("period")
    if not text:
        return default_period(contract)
    try:
        return Period.parse(text)
    except DomainValidationError as exc:
        raise UnknownPeriod("; ".join(exc.errors["period"])) from None


def _breaches_page(request: HttpRequest) -> int | None:
    text = request.GET.get("breaches_page")
    if text is None:
        return None
    if not text.isdigit() or int(text) < 1:
        raise UnknownBreachPage(_("Write a page number from 1, not %(text)r.") % {"text": text})
    return int(text)


def _answers_unknown_period(view: View) -> View:
    """A bad ``?period=`` is a 422 page that names ``period`` and says what is wrong with it
    (the contract is looked up first: another customer's contract stays a 404); a
    ``?breaches_page=`` that is no page of the list is a 404 page naming it."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        try:
            return view(request, *args, **kwargs)
        except UnknownPeriod as exc:
            context = {"field": exc.field, "message": str(exc)}
            status = 422 if exc.field == "period" else 404
            return render(request, "reports/unknown_period.html", context, status=status)

    return wrapper


def _require_staff(request: HttpRequest) -> None:
    if not is_staff(request.user):
        raise Http404(_("Not found"))


def _statement(
    request: HttpRequest,
    contract: Contract,
    audit_url: str,
    audience: str,
    period: Period | None = None,
    **extra: Any,  # more template context (formats.context)
) -> HttpResponse:
    fmt = request.GET.get("format", "html")
    if fmt not in FORMATS:
        raise Http404(_("Unknown format"))
    period = period or _period(request, contract)
    if fmt == "html":
        page = _breaches_page(request)
        try:
            # Only what the page shows (issue 12): a live month's page is reused within the
            # minute without reading back every breach of the month.
            view = statement_page(contract, period, breaches_page=page)
            context = formats.context(
                view["s"],
                view=view,
                audience=audience,
                audit_url=audit_url,
                audit_job_url=reverse(
                    f"reports:audit_export_create_{audience}", args=[contract.pk]
                ),
                **extra,
            )
        except formats.NoSuchBreachPage:
            raise UnknownBreachPage(
                _("The month has no breaches page %(page)s.") % {"page": page}
            ) from None
        return render(request, "reports/statement.html", context)
    snapshot = statement_for(contract, period)
    response = HttpResponse(formats.render(snapshot, fmt), content_type=formats.CONTENT_TYPES[fmt])
    name = f"statement-{contract.number}-{period}.{formats.EXTENSIONS.get(fmt, fmt)}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _audit(request: HttpRequest, contract: Contract) -> HttpResponseBase:
    """The direct download (GET, kept for links and scripts): streamed as it is written, so
    the memory it needs does not grow with the month. The pages offer the worker job
    instead (``audit_export_create``), which also survives a long month and a proxy timeout."""
    period = _period(request, contract)
    response = StreamingHttpResponse(
        stream_audit_export(contract, period), content_type="application/zip"
    )
    name = f"audit-{contract.number}-{period}.zip"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _export_contract(request: HttpRequest, audience: str, contract_id: int) -> Contract:
    if audience == "desk":
        _require_staff(request)
        return get_object_or_404(Contract, pk=contract_id)
    return get_contract(request.user, contract_id)


def _export_job(request: HttpRequest, audience: str, export_id: int) -> AuditExport:
    if audience == "desk":
        _require_staff(request)
    return get_audit_export(request.user, export_id)


@login_required
@require_POST
@_answers_unknown_period
def audit_export_create(request: HttpRequest, audience: str, contract_id: int) -> HttpResponse:
    """Queue the month's audit export for the worker and show its page (POST-redirect-GET);
    a job already waiting for the same month is shown instead of a second one."""
    contract = _export_contract(request, audience, contract_id)
    try:
        job, _created = request_audit_export(
            contract=contract,
            period=request.POST.get("period") or default_period(contract),
            user=request.user,
        )
    except DomainValidationError as exc:
        raise UnknownPeriod("; ".join(exc.errors["period"])) from None
    return redirect(f"reports:audit_export_{audience}", export_id=job.pk)


@login_required
def audit_export_page(request: HttpRequest, audience: str, export_id: int) -> HttpResponse:
    """The job's page; an htmx poll (``HX-Request``) gets only the status fragment, which
    stops polling once the job is done, failed or expired."""
    job = _export_job(request, audience, export_id)
    context = {
        "job": job,
        "audience": audience,
        "expires_at": expires_at(job),
        "waiting": job.status in (ExportStatus.QUEUED, ExportStatus.RUNNING),
        "statement_url": reverse(f"reports:statement_{audience}", args=[job.contract_id])
        + f"?period={job.period}",
        "poll_url": reverse(f"reports:audit_export_{audience}", args=[job.pk]),
        "download_url": reverse(f"reports:audit_export_download_{audience}", args=[job.pk]),
        "base_template": formats.base_template(audience),
        "tz": staff_timezone(request.user)
        if audience == "desk"
        else job.contract.customer.timezone,
    }
    if request.headers.get("HX-Request"):
        return render(request, "reports/_audit_export_status.html", context)
    return render(request, "reports/audit_export.html", context)


@login_required
def audit_export_download(request: HttpRequest, audience: str, export_id: int) -> HttpResponseBase:
    """The written zip, streamed from storage; 404 until it is ready and after it expired."""
    job = _export_job(request, audience, export_id)
    handle = open_export_file(job)
    if handle is None:
        raise Http404("The export has no file")
    return FileResponse(
        handle, as_attachment=True, filename=job.filename, content_type="application/zip"
    )


def _desk_statement(request: HttpRequest, contract: Contract, period: Period) -> HttpResponse:
    """The staff view: the statement plus the month's credit decisions and their audit trail."""
    credit = (
        PeriodCredit.objects.select_related("contract__customer")
        .filter(contract=contract, period=str(period))
        .first()
    )
    return _statement(
        request,
        contract,
        reverse("reports:audit_desk", args=[contract.pk]),
        "desk",
        period,
        credit=credit,
        credit_audit=CreditAudit.objects.filter(credit=credit).order_by("at", "id")
        if credit
        else [],
        credit_cap=billing.credit_cap(credit) if credit else None,
        # The services' own rule: an agent sees the decisions, not forms that answer 403.
        can_decide=billing.may_decide_credits(actor_of(request)),
    )


@login_required
@_answers_unknown_period
def statement_desk(request: HttpRequest, contract_id: int) -> HttpResponse:
    _require_staff(request)
    contract = get_object_or_404(
        Contract.objects.select_related("customer", "plan"), pk=contract_id
    )
    return _desk_statement(request, contract, _period(request, contract))


# A manager's decisions on a month's credits. The billing services check the role (403), the
# state (409) and the input (422), and audit every change.
CREDIT_ACTIONS = {
    "approve": lambda credit, user, post: billing.approve_credits(
        credit=credit, actor=user, reason=post.get("reason", "")
    ),
    "adjust": lambda credit, user, post: billing.adjust_credits(
        credit=credit, actor=user, amount=post.get("amount", ""), reason=post.get("reason", "")
    ),
    "apply": lambda credit, user, post: billing.mark_applied(
        credit=credit, actor=user, reason=post.get("reason", "")
    ),
}


@login_required
@require_POST
def credit_decision(request: HttpRequest, contract_id: int, action: str) -> HttpResponse:
    """Approve, adjust or mark applied a month's credits (POST-redirect-GET; a refusal
    re-renders the statement with 403, 409 or 422 and the service's message)."""
    _require_staff(request)
    decide = CREDIT_ACTIONS.get(action)
    if decide is None:
        raise Http404(_("Unknown action"))
    contract = get_object_or_404(
        Contract.objects.select_related("customer", "plan"), pk=contract_id
    )
    try:
        period = Period.parse(request.POST.get("period", ""))
    except DomainValidationError:
        raise Http404(_("No such period")) from None
    credit = get_object_or_404(PeriodCredit, contract=contract, period=str(period))
    try:
        decide(credit, request.user, request.POST)
    except PermissionDenied as exc:
        error, status = str(exc), 403
    except TransitionError as exc:
        error, status = exc.message, 409
    except DomainValidationError as exc:
        error, status = "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.errors.items()), 422
    else:
        messages.success(request, _("The credits of %(period)s are updated.") % {"period": period})
        url = reverse("reports:statement_desk", args=[contract.pk])
        return redirect(f"{url}?period={period}")
    messages.error(request, error)
    response = _desk_statement(request, contract, period)
    response.status_code = status
    return response


@login_required
@_answers_unknown_period
def statement_portal(request: HttpRequest, contract_id: int) -> HttpResponse:
    contract = get_contract(request.user, contract_id)
    return _statement(
        request, contract, reverse("reports:audit_portal", args=[contract.pk]), "portal"
    )


@login_required
@_answers_unknown_period
def audit_desk(request: HttpRequest, contract_id: int) -> HttpResponseBase:
    _require_staff(request)
    return _audit(request, get_object_or_404(Contract, pk=contract_id))


@login_required
@_answers_unknown_period
def audit_portal(request: HttpRequest, contract_id: int) -> HttpResponseBase:
    return _audit(request, get_contract(request.user, contract_id))


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    _require_staff(request)
    return render(
        request,
        "reports/dashboard.html",
        {
            "d": portfolio(),
            "risks": renewal_risks(now=current_time()),
            "viewer_tz": staff_timezone(request.user),
            "base_template": formats.base_template("desk"),
        },
    )
