"""Customer portal views. Every query goes through the tenancy selectors, so another customer's
ticket, asset or contract is a 404; internal comments and events never reach these pages.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.db.models import F, QuerySet
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from servicepact.accounts.actors import actor_of
from servicepact.assets.coverage import resolve_coverage
from servicepact.assets.models import Asset, ContractLine
from servicepact.assets.selectors import warranty_status
from servicepact.changes import services as change_services
from servicepact.changes.choices import EventKind as ChangeEventKind
from servicepact.changes.forms import ApproveChangeForm, RejectChangeForm
from servicepact.changes.models import Change
from servicepact.changes.selectors import (
    awaiting_customer,
    changes_for,
    customer_may_decide,
    get_change,
)
from servicepact.contracts.choices import ContractStatus, CoverageStatus
from servicepact.contracts.metrics import category_targets, metric_codes
from servicepact.contracts.metrics import labels as metric_labels
from servicepact.contracts.models import Calendar, Contract
from servicepact.contracts.terms import Terms, terms_for_version, version_in_force
from servicepact.core.errors import DomainValidationError, TransitionError
from servicepact.core.pagination import capped, paginate_page
from servicepact.core.sql import counts
from servicepact.core.time import local_date, now
from servicepact.customers.selectors import scope_to_customer
from servicepact.fieldservice.selectors import signature_file, ticket_visits
from servicepact.monitoring.availability import recent_availability
from servicepact.portal.access import contact_required
from servicepact.portal.forms import (
    CommentForm,
    DeclineForm,
    NewTicketForm,
    PreviewForm,
    ReopenForm,
)
from servicepact.stock.selectors import held_for_ticket
from servicepact.tickets import services
from servicepact.tickets.attachments import (
    add_comment_with_files,
    download_response,
    ticket_files,
)
from servicepact.tickets.choices import OPEN_STATUSES, Category, Channel, EventKind, Status
from servicepact.tickets.history import customer_history
from servicepact.tickets.live import clocks_for_ticket
from servicepact.tickets.models import Ticket
from servicepact.tickets.preview import preview_ticket
from servicepact.tickets.selectors import get_ticket, tickets_for, visible_comments, visible_events
from servicepact.tickets.transitions import allowed

# Tickets that wait for the customer's word: a proposed solution to accept or decline, or a
# resolution to confirm (close) or reopen. The home page counts and lists them (show=confirm).
TO_CONFIRM = (Status.SOLUTION_PROPOSED, Status.RESOLVED)

COVERING = (ContractStatus.ACTIVE, ContractStatus.GRACE)


def _assets(request: HttpRequest) -> QuerySet[Asset]:
    return scope_to_customer(Asset.objects.select_related("site"), request.user).order_by(
        "hostname"
    )


def _contracts(request: HttpRequest) -> QuerySet[Contract]:
    return scope_to_customer(
        Contract.objects.select_related("plan", "plan__calendar", "customer"), request.user
    )


def _tz(request: HttpRequest) -> str:
    zone: str = request.contact.local_timezone  # type: ignore[attr-defined]
    return zone


TICKETS_PER_PAGE = 50


def _labels() -> dict[str, Any]:
    return {
        "metric_labels": metric_labels(),
        "status_labels": {k: str(v) for k, v in Status.choices},
    }


def _status(contract: Contract) -> tuple[str, str]:
    status = contract.status_on(local_date(now(), contract.customer.timezone))
    return status, str(ContractStatus(status).label)


# ---------------------------------------------------------------- tickets


CONFIRM_CAP = 999  # "Waiting for your confirmation" shows "999+" beyond it


def home_counts(tickets: QuerySet[Ticket]) -> tuple[int, int]:
    """Open tickets and tickets waiting for the customer's word, in ONE query over only those
    rows (a positive status IN on the ``(customer, status)`` index), not over every ticket the
    customer ever had. Resolved tickets wait for the customer until the worker closes them
    (``AUTO_CLOSE_DAYS``); where they pile up (auto-close off, or a long period) their count
    stops reading at ``CONFIRM_CAP + 1`` rows, so the page does not grow with them."""
    confirm = capped(tickets.filter(status__in=TO_CONFIRM), CONFIRM_CAP)
    open_count, to_confirm = counts(tickets.filter(status__in=OPEN_STATUSES), confirm)
    return open_count, to_confirm


@require_GET
@contact_required
def home(request: HttpRequest) -> HttpResponse:
    """The customer's tickets (the whole organisation's), open ones first by deadline."""
    show = request.GET.get("show", "open")
    tickets = tickets_for(request.user)
    open_count, to_confirm = home_counts(tickets)
    if show == "open":
        tickets = tickets.filter(status__in=OPEN_STATUSES)
    elif show == "confirm":
        tickets = tickets.filter(status__in=TO_CONFIRM)
    elif show == "closed":
        tickets = tickets.filter(status__in=[Status.RESOLVED, Status.CLOSED])
    else:
        show = "all"
    if show in ("closed", "confirm"):
        # No running clock, so no deadline: newest first on ticket_customer_opened_idx (the
        # to-confirm list too: ordering it by deadline sorted all of them on every view).
        tickets = tickets.order_by("-opened_at", "-pk")
    else:
        tickets = tickets.order_by(F("next_deadline_at").asc(nulls_last=True), "-opened_at", "-pk")
    contracts = [(c, *_status(c)) for c in _contracts(request).order_by("-end_date")]
    # SQL-limited pages; the open and to-confirm lists reuse the counts above instead of
    # counting again (the to-confirm list, counted to CONFIRM_CAP, says "more than" past it
    # and pages through that many; the "all" and "resolved and closed" lists hold the rest).
    known = {"open": open_count, "confirm": to_confirm}
    page = paginate_page(
        tickets,
        page=request.GET.get("page"),
        per_page=TICKETS_PER_PAGE,
        count=known.get(show),
        cap=CONFIRM_CAP if show == "confirm" else None,
    )
    return render(
        request,
        "portal/home.html",
        {
            "tickets": page.items,
            "page": page,
            "page_query": urlencode({"show": show}),
            "show": show,
            "open_count": open_count,
            "to_confirm": min(to_confirm, CONFIRM_CAP),
            "to_confirm_more": to_confirm > CONFIRM_CAP,
            "contracts": [row for row in contracts if row[1] in COVERING],
            "tz": _tz(request),
        },
    )


def _parse_preview(request: HttpRequest, data: Any) -> tuple[PreviewForm, Any]:
    form = PreviewForm(data, assets=_assets(request))
    if not form.is_valid():
        return form, None
    contact = request.contact  # type: ignore[attr-defined]
    preview = preview_ticket(
        customer=contact.customer,
        contact=contact,
        asset=form.cleaned_data["asset"],
        impact=form.cleaned_data["impact"],
        urgency=form.cleaned_data["urgency"],
        category=form.cleaned_data["category"],
        at=now(),
    )
    return form, preview


@require_http_methods(["GET", "POST"])
@contact_required
def ticket_new(request: HttpRequest) -> HttpResponse:
    """File a ticket. Without JavaScript, the "Show priority and deadlines" button posts the form
    back with ``preview`` set and the page shows the preview instead of creating the ticket."""
    contact = request.contact  # type: ignore[attr-defined]
    form = NewTicketForm(
        request.POST or None,
        assets=_assets(request),
        initial={"asset": request.GET.get("asset")} if request.method == "GET" else None,
    )
    preview = None
    status = 200
    if request.method == "POST":
        if "preview" in request.POST:
            _form, preview = _parse_preview(request, request.POST)
        elif form.is_valid():
            data = form.cleaned_data
            try:
                ticket = services.open_ticket(
                    customer=contact.customer,
                    contact=contact,
                    asset=data["asset"],
                    subject=data["subject"],
                    description=data["description"],
                    category=data["category"],
                    kind="request" if data["category"] == Category.REQUEST else "incident",
                    impact=data["impact"],
                    urgency=data["urgency"],
                    channel=Channel.PORTAL,
                    actor=actor_of(request),
                )
            except DomainValidationError as exc:
                for field, problems in exc.errors.items():
                    form.add_error(field if field in form.fields else None, problems)
                status = 422
            else:
                messages.success(
                    request,
                    _("Ticket %(number)s is filed. These are the deadlines that apply.")
                    % {"number": ticket.number},
                )
                return redirect("portal:ticket", pk=ticket.pk)
        else:
            status = 422
        if preview is None and form.is_bound:
            _form, preview = _parse_preview(request, request.POST)
    return render(
        request,
        "portal/ticket_new.html",
        {"form": form, "preview": preview, "tz": _tz(request)},
        status=status,
    )


@require_GET
@contact_required
def ticket_preview(request: HttpRequest) -> HttpResponse:
    """The htmx preview: priority and deadlines for the answers so far. Writes nothing."""
    _form, preview = _parse_preview(request, request.GET)
    return render(
        request, "servicepact/_ticket_preview.html", {"preview": preview, "tz": _tz(request)}
    )


def ticket_context(request: HttpRequest, ticket: Ticket, **extra: Any) -> dict[str, Any]:
    """The ticket page's context (``extra``: a form with its errors, an error text)."""
    from servicepact.portal.aftercare_pages import aftercare_context

    after = aftercare_context(
        ticket,
        survey_form=extra.pop("survey_form", None),
        claim_form=extra.pop("claim_form", None),
    )
    events = customer_history(visible_events(request.user, ticket))
    proposal = next((e for e in reversed(events) if e.kind == EventKind.SOLUTION_PROPOSED), None)
    return {
        "ticket": ticket,
        "clocks": [c for c in clocks_for_ticket(ticket, now()) if c.current],
        "events": events,
        "comments": list(visible_comments(request.user, ticket).prefetch_related("attachments")),
        "ticket_files": ticket_files(request.user, ticket),
        "proposal": proposal,
        "comment_form": extra.pop("comment_form", None) or CommentForm(prefix="comment"),
        "reopen_form": extra.pop("reopen_form", None) or ReopenForm(prefix="reopen"),
        "decline_form": extra.pop("decline_form", None) or DeclineForm(prefix="decline"),
        "can_answer_proposal": proposal is not None and allowed("accept", ticket.status),
        "visits": ticket_visits(request.user, ticket),
        "spare_parts": list(held_for_ticket(request.user, ticket)[:100]),
        "tz": _tz(request),
        **_labels(),
        **after,
        **extra,
    }


@require_GET
@contact_required
def ticket_detail(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = get_ticket(request.user, pk)
    return render(request, "portal/ticket.html", ticket_context(request, ticket))


@require_POST
@contact_required
def ticket_comment(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = get_ticket(request.user, pk)
    form = CommentForm(request.POST, request.FILES, prefix="comment")
    form.is_valid()
    upload = form.cleaned_data.get("file")
    try:
        add_comment_with_files(
            ticket=ticket,
            author=actor_of(request),
            body=form.cleaned_data.get("body", ""),
            files=[upload] if upload else [],
        )
    except DomainValidationError as exc:
        for field, problems in exc.errors.items():
            form.add_error(field if field in form.fields else None, problems)
        context = ticket_context(request, ticket, comment_form=form)
        return render(request, "portal/ticket.html", context, status=422)
    messages.success(request, _("Your comment was added."))
    return redirect(reverse("portal:ticket", args=[ticket.pk]) + "#comments")


def _ticket_step(
    request: HttpRequest,
    pk: int,
    step: Callable[[Ticket, dict[str, Any]], Any],
    done: str,
    form: forms.Form | None = None,
    form_key: str = "",
) -> HttpResponse:
    """One customer step on a ticket through its service: 409 when the status does not allow
    it, 422 with the form's field errors, else the message and back to the ticket."""
    ticket = get_ticket(request.user, pk)
    data: dict[str, Any] = {}
    if form is not None:
        form.is_valid()
        data = form.cleaned_data
    try:
        step(ticket, data)
    except TransitionError as exc:
        context = ticket_context(request, get_ticket(request.user, pk), error=exc.message)
        return render(request, "portal/ticket.html", context, status=409)
    except DomainValidationError as exc:
        assert form is not None  # only steps that take input raise field errors
        for field, problems in exc.errors.items():
            form.add_error(field if field in form.fields else None, problems)
        context = ticket_context(request, ticket, **{form_key: form})
        return render(request, "portal/ticket.html", context, status=422)
    messages.success(request, done)
    return redirect("portal:ticket", pk=ticket.pk)


@require_POST
@contact_required
def ticket_close(request: HttpRequest, pk: int) -> HttpResponse:
    return _ticket_step(
        request,
        pk,
        lambda t, _: services.close_ticket(ticket=t, actor=actor_of(request)),
        _("Thank you: the ticket is closed."),
    )


@require_POST
@contact_required
def ticket_reopen(request: HttpRequest, pk: int) -> HttpResponse:
    return _ticket_step(
        request,
        pk,
        lambda t, d: services.reopen_ticket(ticket=t, actor=actor_of(request), reason=d["reason"]),
        _("The ticket is reopened; we are on it again."),
        ReopenForm(request.POST, prefix="reopen"),
        "reopen_form",
    )


@require_POST
@contact_required
def ticket_accept(request: HttpRequest, pk: int) -> HttpResponse:
    """The proposed solution works: the ticket is resolved and closed."""
    return _ticket_step(
        request,
        pk,
        lambda t, _: services.accept_solution(ticket=t, actor=actor_of(request)),
        _("Thank you: the solution is accepted and the ticket closed."),
    )


@require_POST
@contact_required
def ticket_decline(request: HttpRequest, pk: int) -> HttpResponse:
    """The proposed solution does not work: back to the service desk, with the reason."""
    return _ticket_step(
        request,
        pk,
        lambda t, d: services.decline_solution(
            ticket=t, actor=actor_of(request), reason=d.get("reason", "")
        ),
        _("We are on it again; thank you for telling us."),
        DeclineForm(request.POST, prefix="decline"),
        "decline_form",
    )


# ---------------------------------------------------------------- contracts and assets


@require_GET
@contact_required
def contract_list(request: HttpRequest) -> HttpResponse:
    rows = [(c, *_status(c)) for c in _contracts(request).order_by("-end_date")]
    return render(request, "portal/contracts.html", {"rows": rows})


def target_rows(terms: Terms) -> list[dict[str, Any]]:
    codes = metric_codes()
    calendars = dict(
        Calendar.objects.filter(pk__in={t.calendar_id for t in terms.targets.values()}).values_list(
            "pk", "name"
        )
    )
    return [
        {
            "priority": p,
            "name": terms.priority_name(p),
            "cells": [
                {
                    "term": (term := terms.target(p, m)),
                    "calendar": calendars.get(term.calendar_id) if term else None,
                    "override": False,
                }
                for m in codes
            ],
        }
        for p in (1, 2, 3, 4)
    ]


@require_GET
@contact_required
def contract_detail(request: HttpRequest, pk: int) -> HttpResponse:
    contract = get_object_or_404(_contracts(request), pk=pk)
    moment = now()
    version = version_in_force(contract, moment) or contract.versions.order_by("number").first()
    terms = terms_for_version(version) if version else None
    status, status_label = _status(contract)
    return render(
        request,
        "portal/contract.html",
        {
            "contract": contract,
            "status": status,
            "status_label": status_label,
            "version": version,
            "notice_by": contract.end_date - timedelta(days=contract.notice_days),
            "grace_until": contract.end_date + timedelta(days=contract.grace_days),
            "metrics": list(metric_labels().values()),
            "target_rows": target_rows(terms) if terms else [],
            "category_targets": category_targets(terms) if terms else [],
            "matrix": terms.matrix if terms else [],
            "kpis": version.kpis.all() if version else [],
            "asset_count": contract.lines.count(),
            "availability": recent_availability(contract, moment),
            "tz": _tz(request),
        },
    )


def _covering_line(lines: list[ContractLine], today: date) -> ContractLine | None:
    for line in sorted(lines, key=lambda x: x.start_date, reverse=True):
        in_line = line.start_date <= today and (line.end_date is None or line.end_date >= today)
        if in_line and line.contract.status_on(today) in COVERING:
            return line
    return None


@require_GET
@contact_required
def asset_list(request: HttpRequest) -> HttpResponse:
    contact = request.contact  # type: ignore[attr-defined]
    today = local_date(now(), contact.customer.timezone)
    assets = _assets(request).prefetch_related("contract_lines__contract__plan", "warranties__plan")
    rows = []
    for asset in assets:
        line = _covering_line(list(asset.contract_lines.all()), today)
        status = line.contract.status_on(today) if line else None
        warranty = warranty_status(list(asset.warranties.all()), today)
        rows.append({"asset": asset, "line": line, "status": status, "warranty": warranty})
    return render(request, "portal/assets.html", {"rows": rows})


@require_GET
@contact_required
def asset_detail(request: HttpRequest, pk: int) -> HttpResponse:
    asset = get_object_or_404(_assets(request).select_related("customer"), pk=pk)
    moment = now()
    today = local_date(moment, asset.customer.timezone)
    coverage = resolve_coverage(
        customer=asset.customer, asset=asset, at=moment, impact=3, urgency=3
    )
    lines = list(
        asset.contract_lines.select_related("contract", "contract__plan").order_by("start_date")
    )
    return render(
        request,
        "portal/asset.html",
        {
            "asset": asset,
            "coverage": coverage,
            "coverage_label": CoverageStatus(coverage.status).label,
            "bars": coverage_bars(lines, today),
            "warranties": (warranties := list(asset.warranties.select_related("plan"))),
            "warranty": warranty_status(warranties, today),
            "tickets": tickets_for(request.user).filter(asset=asset).order_by("-opened_at")[:100],
            "tz": _tz(request),
        },
    )


def coverage_bars(lines: list[ContractLine], today: date) -> dict[str, Any]:
    """Positions (percent of the whole span) of each contract line and of today."""
    if not lines:
        return {"rows": []}
    ends = [line.end_date or line.contract.end_date for line in lines]
    first = min(min(line.start_date for line in lines), today)
    last = max(*ends, today)
    span = max(1, (last - first).days)
    rows = []
    for line, end in zip(lines, ends, strict=True):
        status = line.contract.status_on(today)
        rows.append(
            {
                "line": line,
                "end": end,
                "status": status,
                "status_label": ContractStatus(status).label,
                "left": round(100 * (line.start_date - first).days / span, 2),
                "width": max(0.5, round(100 * (end - line.start_date).days / span, 2)),
                "grace_until": line.contract.end_date + timedelta(days=line.contract.grace_days)
                if end == line.contract.end_date
                else None,
            }
        )
    return {
        "rows": rows,
        "first": first,
        "last": last,
        "today": round(100 * (today - first).days / span, 2),
    }


# ---------------------------------------------------------------- maintenance windows (changes)


@require_GET
@contact_required
def change_list(request: HttpRequest) -> HttpResponse:
    """The customer's maintenance windows: those awaiting a decision first, then the rest."""
    changes = list(changes_for(request.user).order_by("-planned_start", "-id"))
    waiting = set(awaiting_customer(changes_for(request.user)).values_list("pk", flat=True))
    pending = sorted((c for c in changes if c.pk in waiting), key=lambda c: (c.planned_start, c.pk))
    return render(
        request,
        "portal/changes.html",
        {
            "pending": pending,
            "others": [c for c in changes if c.pk not in waiting],
            "tz": _tz(request),
        },
    )


def _change_context(request: HttpRequest, change: Change, **extra: Any) -> dict[str, Any]:
    return {
        "change": change,
        "assets": change.assets.order_by("hostname"),
        "window_seconds": int((change.planned_end - change.planned_start).total_seconds()),
        "approve_form": extra.pop("approve_form", None) or ApproveChangeForm(prefix="approve"),
        "reject_form": extra.pop("reject_form", None) or RejectChangeForm(prefix="reject"),
        "may_decide": customer_may_decide(change),
        "events": change.events.exclude(kind=ChangeEventKind.CAB_VOTE).order_by("at", "id"),
        "tz": _tz(request),
        **extra,
    }


@require_GET
@contact_required
def change_detail(request: HttpRequest, pk: int) -> HttpResponse:
    change = get_change(request.user, pk)
    return render(request, "portal/change.html", _change_context(request, change))


@require_POST
@contact_required
def change_approve(request: HttpRequest, pk: int) -> HttpResponse:
    """Approve the window: downtime inside it becomes planned. PermissionDenied is a 403."""
    change = get_change(request.user, pk)
    form = ApproveChangeForm(request.POST, prefix="approve")
    form.is_valid()
    try:
        change_services.approve_change(change=change, actor=actor_of(request))
    except TransitionError as exc:
        context = _change_context(request, get_change(request.user, pk), error=exc.message)
        return render(request, "portal/change.html", context, status=409)
    messages.success(
        request,
        _("Change %(number)s is approved: downtime inside its window counts as planned.")
        % {"number": change.number},
    )
    return redirect("portal:change", pk=change.pk)


@require_POST
@contact_required
def change_reject(request: HttpRequest, pk: int) -> HttpResponse:
    change = get_change(request.user, pk)
    form = RejectChangeForm(request.POST, prefix="reject")
    if not form.is_valid():
        context = _change_context(request, change, reject_form=form)
        return render(request, "portal/change.html", context, status=422)
    try:
        change_services.reject_change(
            change=change, actor=actor_of(request), reason=form.cleaned_data["reason"]
        )
    except TransitionError as exc:
        context = _change_context(request, get_change(request.user, pk), error=exc.message)
        return render(request, "portal/change.html", context, status=409)
    messages.success(request, _("Change %(number)s is rejected.") % {"number": change.number})
    return redirect("portal:change", pk=change.pk)


@require_GET
@contact_required
def work_order_signature(request: HttpRequest, pk: int) -> HttpResponseBase:
    """A visit's drawn signature as a download (404 for another customer's)."""
    return download_response(signature_file(request.user, pk))
