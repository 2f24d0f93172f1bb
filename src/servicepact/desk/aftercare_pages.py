"""Desk pages after the repair: due follow-ups and their outcome, guarantee claims to decide.
Reads through ``aftercare.selectors``, writes through ``aftercare.services``."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from servicepact.accounts.actors import actor_of, may_decide_money
from servicepact.accounts.selectors import staff_timezone
from servicepact.aftercare import services
from servicepact.aftercare.choices import ClaimStatus, FollowUpStatus, Outcome
from servicepact.aftercare.selectors import claims_for, due_followups, followups_for
from servicepact.core.errors import DomainValidationError, TransitionError
from servicepact.core.pagination import paginate_page
from servicepact.desk.access import staff_required

PER_PAGE = 50


@require_GET
@staff_required
def followup_list(request: HttpRequest) -> HttpResponse:
    """Open follow-ups, oldest due first (``?all=1``: done ones too, newest due first)."""
    show_all = request.GET.get("all") == "1"
    qs = (
        followups_for(request.user).order_by("-due_on", "-id")
        if show_all
        else due_followups(request.user)
    )
    page = paginate_page(qs, page=request.GET.get("page"), per_page=PER_PAGE)
    return render(
        request,
        "desk/followups.html",
        {"page": page, "page_query": "all=1" if show_all else "", "show_all": show_all},
    )


@require_http_methods(["GET", "POST"])
@staff_required
def followup_detail(request: HttpRequest, pk: int) -> HttpResponse:
    followup = get_object_or_404(followups_for(request.user), pk=pk)
    errors: dict[str, list[str]] = {}
    status = 200
    if request.method == "POST":
        try:
            services.record_followup_outcome(
                followup=followup,
                actor=actor_of(request),
                outcome=request.POST.get("outcome", ""),
                note=request.POST.get("note", ""),
            )
        except DomainValidationError as exc:
            errors, status = exc.errors, 422
        except TransitionError as exc:
            errors, status = {"__all__": [exc.message]}, 409
        else:
            messages.success(request, _("Follow-up recorded."))
            return redirect("desk:followup", pk=followup.pk)
    return render(
        request,
        "desk/followup.html",
        {
            "followup": followup,
            "open": followup.status == FollowUpStatus.OPEN,
            "outcomes": Outcome.choices,
            "errors": errors,
            "posted": request.POST,
            "agent_tz": staff_timezone(request.user),
        },
        status=status,
    )


@require_GET
@staff_required
def claim_list(request: HttpRequest) -> HttpResponse:
    """Pending claims first (oldest first), then the decided ones."""
    state = request.GET.get("status", ClaimStatus.PENDING)
    qs = claims_for(request.user)
    if state in ClaimStatus.values:
        qs = qs.filter(status=state)
    page = paginate_page(qs, page=request.GET.get("page"), per_page=PER_PAGE)
    return render(
        request,
        "desk/claims.html",
        {
            "page": page,
            "page_query": f"status={state}",
            "state": state,
            "states": ClaimStatus.choices,
            "may_decide": may_decide_money(actor_of(request)),
            "agent_tz": staff_timezone(request.user),
        },
    )


@require_POST
@staff_required
def claim_decide(request: HttpRequest, pk: int) -> HttpResponse:
    claim = get_object_or_404(claims_for(request.user), pk=pk)
    decide = (
        services.approve_claim
        if request.POST.get("decision") == "approve"
        else services.decline_claim
    )
    try:
        decide(claim=claim, actor=actor_of(request), reason=request.POST.get("reason", ""))
    except PermissionDenied as exc:
        messages.error(request, str(exc))
    except DomainValidationError as exc:
        messages.error(request, "; ".join(m for ms in exc.errors.values() for m in ms))
    except TransitionError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Claim decided."))
    return redirect("desk:claims")
