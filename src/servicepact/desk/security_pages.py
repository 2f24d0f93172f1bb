"""Desk pages for security work: vulnerabilities (deadlines first), audits and findings.

Thin: the forms post to one action view per item kind; ``security.services`` checks the
transition table (``security.choices.ALLOWED``) exactly as for the API, and the buttons
shown come from the same table (``security.api.actions_for``).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import F
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from servicepact.accounts.actors import actor_of
from servicepact.accounts.selectors import staff_timezone
from servicepact.changes.models import Change
from servicepact.core.errors import DomainValidationError, TransitionError
from servicepact.core.pagination import paginate_page
from servicepact.desk.access import staff_required
from servicepact.security import services
from servicepact.security.api import actions_for
from servicepact.security.audits import is_overdue
from servicepact.security.choices import RemediationAction, RemediationState
from servicepact.security.selectors import (
    audits_for,
    get_audit,
    get_finding,
    get_vulnerability,
    vulnerabilities_for,
)

PER_PAGE = 50


@staff_required
def vulnerability_list(request: HttpRequest) -> HttpResponse:
    """Open items first by deadline (the nearest first), then the closed ones."""
    state = request.GET.get("state", "")
    rows = vulnerabilities_for(request.user)
    if state in RemediationState.values:
        rows = rows.filter(state=state)
    else:
        state = ""
    rows = rows.order_by(
        F("closed_at").desc(nulls_first=True), F("deadline_at").asc(nulls_last=True), "-id"
    )
    page = paginate_page(rows, page=request.GET.get("page"), per_page=PER_PAGE)
    return render(
        request,
        "desk/security_vulnerabilities.html",
        {
            "page": page,
            "page_query": f"state={state}" if state else "",
            "state": state,
            "states": RemediationState.choices,
            "agent_tz": staff_timezone(request.user),
        },
    )


def _item_context(request: HttpRequest, item: Any, **extra: Any) -> dict[str, Any]:
    return {
        "item": item,
        "assets": item.assets.order_by("hostname"),
        "events": item.events.select_related("actor").order_by("at", "id"),
        "actions": actions_for(request.user, item),
        "changes": Change.objects.filter(customer_id=item.customer_id).order_by("-planned_start")[
            :50
        ],
        "agent_tz": staff_timezone(request.user),
        **extra,
    }


@staff_required
def vulnerability_detail(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_vulnerability(request.user, pk)
    return render(
        request, "desk/security_item.html", _item_context(request, item, kind="vulnerability")
    )


@staff_required
def finding_detail(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_finding(request.user, pk)
    return render(request, "desk/security_item.html", _item_context(request, item, kind="finding"))


@require_POST
@staff_required
def item_action(request: HttpRequest, kind: str, pk: int, name: str) -> HttpResponse:
    if kind not in ("vulnerability", "finding"):
        raise Http404(_("No such page"))
    getter = get_vulnerability if kind == "vulnerability" else get_finding
    item = getter(request.user, pk)
    action = name.replace("-", "_")
    if action not in RemediationAction.values or action == RemediationAction.ACCEPT_RISK:
        raise Http404(_("No such action"))
    actor = actor_of(request)
    text = request.POST.get("text", "")
    try:
        if action == RemediationAction.MITIGATE:
            services.mitigate(item=item, mitigation=text, actor=actor)
        elif action == RemediationAction.PATCH:
            change = None
            if request.POST.get("change"):
                change = Change.objects.filter(
                    pk=request.POST["change"], customer_id=item.customer_id
                ).first()
            services.mark_patched(item=item, change=change, actor=actor)
        elif action == RemediationAction.FALSE_POSITIVE:
            services.mark_false_positive(item=item, reason=text, actor=actor)
        else:
            services.reopen(item=item, note=text, actor=actor)
    except (DomainValidationError, TransitionError, PermissionDenied) as exc:
        error = (
            exc.message
            if isinstance(exc, TransitionError)
            else (
                "; ".join(m for ms in exc.errors.values() for m in ms)
                if isinstance(exc, DomainValidationError)
                else str(exc)
            )
        )
        item = getter(request.user, pk)
        status = 409 if isinstance(exc, TransitionError) else 422
        context = _item_context(request, item, kind=kind, error=error)
        return render(request, "desk/security_item.html", context, status=status)
    messages.success(request, _("%(number)s is updated.") % {"number": item.number})
    return redirect(f"desk:security-{kind}", pk=pk)


@staff_required
def audit_list(request: HttpRequest) -> HttpResponse:
    rows = audits_for(request.user).order_by("status", "due_on", "-id")
    page = paginate_page(rows, page=request.GET.get("page"), per_page=PER_PAGE)
    for audit in page.items:
        audit.overdue = is_overdue(audit)
    return render(request, "desk/security_audits.html", {"page": page, "page_query": ""})


@staff_required
def audit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    audit = get_audit(request.user, pk)
    return render(
        request,
        "desk/security_audit.html",
        {
            "audit": audit,
            "overdue": is_overdue(audit),
            "findings": audit.findings.order_by(F("deadline_at").asc(nulls_last=True), "pk"),
            "agent_tz": staff_timezone(request.user),
        },
    )


@require_POST
@staff_required
def audit_done(request: HttpRequest, pk: int) -> HttpResponse:
    audit = get_audit(request.user, pk)
    try:
        performed = date.fromisoformat(request.POST.get("performed_on", ""))
        services.record_audit(audit=audit, performed_on=performed, actor=actor_of(request))
    except ValueError:
        messages.error(request, _("Enter the date like 2025-06-30."))
    except TransitionError as exc:
        messages.error(request, exc.message)
    return redirect("desk:security-audit", pk=pk)


@require_POST
@staff_required
def audit_report(request: HttpRequest, pk: int) -> HttpResponse:
    audit = get_audit(request.user, pk)
    upload = request.FILES.get("file")
    if upload is None:
        messages.error(request, _("Choose a file."))
        return redirect("desk:security-audit", pk=pk)
    try:
        services.attach_report(
            audit=audit,
            name=upload.name or "",
            content=upload,
            content_type=upload.content_type or "",
            actor=actor_of(request),
        )
    except DomainValidationError as exc:
        messages.error(request, "; ".join(m for ms in exc.errors.values() for m in ms))
    return redirect("desk:security-audit", pk=pk)
