"""Portal pages for security: the customer's vulnerabilities and findings with their
deadlines, and the accepted-risk sign-off (the clock pauses). Another customer's item is a
404 (``security.selectors``)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import F
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from servicepact.accounts.actors import actor_of
from servicepact.core.errors import DomainValidationError, TransitionError
from servicepact.core.pagination import paginate_page
from servicepact.portal.access import contact_required
from servicepact.security import services
from servicepact.security.api import actions_for
from servicepact.security.selectors import (
    findings_for,
    get_finding,
    get_vulnerability,
    vulnerabilities_for,
)

PER_PAGE = 50


def _tz(request: HttpRequest) -> str:
    zone: str = request.contact.local_timezone  # type: ignore[attr-defined]
    return zone


def _open_first(rows: Any) -> Any:
    return rows.order_by(
        F("closed_at").desc(nulls_first=True), F("deadline_at").asc(nulls_last=True), "-id"
    )


@contact_required
def security_list(request: HttpRequest) -> HttpResponse:
    page = paginate_page(
        _open_first(vulnerabilities_for(request.user)),
        page=request.GET.get("page"),
        per_page=PER_PAGE,
    )
    findings = _open_first(findings_for(request.user).filter(closed_at__isnull=True))[:PER_PAGE]
    return render(
        request,
        "portal/security.html",
        {"page": page, "page_query": "", "findings": findings, "tz": _tz(request)},
    )


def _getter(kind: str) -> Any:
    if kind == "vulnerability":
        return get_vulnerability
    if kind == "finding":
        return get_finding
    raise Http404(_("No such page"))


def _context(request: HttpRequest, kind: str, item: Any, **extra: Any) -> dict[str, Any]:
    return {
        "item": item,
        "kind": kind,
        "assets": item.assets.order_by("hostname"),
        "can_accept": "accept-risk" in actions_for(request.user, item),
        "tz": _tz(request),
        **extra,
    }


@contact_required
def security_item(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    item = _getter(kind)(request.user, pk)
    return render(request, "portal/security_item.html", _context(request, kind, item))


@require_POST
@contact_required
def accept_risk(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    """The customer's sign-off: the remediation clock pauses while the acceptance stands."""
    getter = _getter(kind)
    item = getter(request.user, pk)
    try:
        services.accept_risk(item=item, note=request.POST.get("note", ""), actor=actor_of(request))
    except (DomainValidationError, TransitionError, PermissionDenied) as exc:
        if isinstance(exc, DomainValidationError):
            error, status = "; ".join(m for ms in exc.errors.values() for m in ms), 422
        elif isinstance(exc, TransitionError):
            error, status = exc.message, 409
        else:
            error, status = str(exc), 403
        context = _context(request, kind, getter(request.user, pk), error=error)
        return render(request, "portal/security_item.html", context, status=status)
    messages.success(
        request,
        _("You accepted the risk of %(number)s; its remediation deadline is paused.")
        % {"number": item.number},
    )
    return redirect("portal:security-item", kind=kind, pk=pk)
