"""Portal pages of backups and drills: each server's last good backup and its off-site copy;
the drills, their evidence and the customer's sign-off. Another customer's drill is a 404."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from servicepact.accounts.actors import actor_of
from servicepact.backups.choices import CopyLocation
from servicepact.backups.rpo import copy_states
from servicepact.backups.selectors import drills_for, policies_for
from servicepact.backups.services import add_uploaded_evidence, sign_off_drill
from servicepact.core.errors import DomainValidationError, TransitionError
from servicepact.core.time import now
from servicepact.portal.access import contact_required
from servicepact.tickets.attachments import download_response

MAX_POLICIES = 500  # a customer's servers with backups fit on one page


@require_GET
@contact_required
def backups(request: HttpRequest) -> HttpResponse:
    """Per server: the last good backup (local) and the off-site copy, and their age."""
    policies = list(
        policies_for(request.user)
        .filter(is_active=True)
        .order_by("asset__hostname", "name")[:MAX_POLICIES]
    )
    rows: dict[int, dict[str, object]] = {}
    for state in copy_states(policies, now()):
        row = rows.setdefault(
            state.policy.pk, {"policy": state.policy, "local": None, "offsite": None, "zone": None}
        )
        key = {CopyLocation.LOCAL: "local", CopyLocation.OFFSITE: "offsite"}.get(
            CopyLocation(state.location), "zone"
        )
        row[key] = state
    return render(
        request,
        "portal/backups.html",
        {"rows": list(rows.values()), "tz": request.contact.customer.timezone},  # type: ignore[attr-defined]
    )


@require_GET
@contact_required
def drill_list(request: HttpRequest) -> HttpResponse:
    drills = drills_for(request.user).order_by("-finished_at", "-pk")[:200]
    return render(
        request,
        "portal/drills.html",
        {"drills": drills, "tz": request.contact.customer.timezone},  # type: ignore[attr-defined]
    )


def _drill_page(request: HttpRequest, pk: int, status: int = 200, error: str = "") -> HttpResponse:
    drill = get_object_or_404(drills_for(request.user), pk=pk)
    return render(
        request,
        "portal/drill.html",
        {
            "drill": drill,
            "findings": drill.findings.select_related("ticket"),
            "evidence": drill.evidence.all(),
            "error": error,
            "tz": request.contact.customer.timezone,  # type: ignore[attr-defined]
        },
        status=status,
    )


@require_GET
@contact_required
def drill_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _drill_page(request, pk)


@require_POST
@contact_required
def drill_sign_off(request: HttpRequest, pk: int) -> HttpResponse:
    drill = get_object_or_404(drills_for(request.user), pk=pk)
    try:
        sign_off_drill(drill=drill, actor=actor_of(request), note=request.POST.get("note", ""))
    except TransitionError as exc:
        return _drill_page(request, pk, 409, exc.message)
    except DomainValidationError as exc:
        return _drill_page(request, pk, 422, str(exc))
    messages.success(request, _("Thank you: the drill is signed off."))
    return redirect("portal:drill", pk=pk)


@require_POST
@contact_required
def drill_evidence_add(request: HttpRequest, pk: int) -> HttpResponse:
    """The customer adds evidence of its own part of a drill (another customer's: 404)."""
    drill = get_object_or_404(drills_for(request.user), pk=pk)
    try:
        add_uploaded_evidence(
            drill=drill, upload=request.FILES.get("file"), actor=actor_of(request)
        )
    except DomainValidationError as exc:
        return _drill_page(request, pk, 422, "; ".join(m for v in exc.errors.values() for m in v))
    messages.success(request, _("Evidence added."))
    return redirect("portal:drill", pk=pk)


@require_GET
@contact_required
def drill_evidence(request: HttpRequest, pk: int, file_id: int) -> HttpResponseBase:
    drill = get_object_or_404(drills_for(request.user), pk=pk)
    return download_response(get_object_or_404(drill.evidence.all(), pk=file_id))
