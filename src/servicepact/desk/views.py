"""Staff desk views: parse the request, call a service or a selector, render.

Every page is server-rendered and works without JavaScript; htmx only refreshes the queue rows.
Ticket actions are POST forms that redirect back to the ticket (POST-redirect-GET); a refused
transition re-renders the page with status 409, invalid input with 422 and the field named.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.db.models import Count, F, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import push_url
from django_htmx.middleware import HtmxDetails

from servicepact.accounts.actors import actor_of
from servicepact.accounts.duty import duty
from servicepact.accounts.selectors import staff_timezone
from servicepact.assets.coverage import resolve_coverage
from servicepact.assets.models import Asset
from servicepact.changes.choices import ChangeStatus
from servicepact.changes.selectors import changes_for
from servicepact.contracts.choices import ContractStatus, CoverageStatus
from servicepact.contracts.metrics import labels as metric_labels
from servicepact.contracts.models import Contract
from servicepact.core.errors import DomainValidationError, TransitionError
from servicepact.core.time import local_date, now, zone
from servicepact.customers.selectors import customers_for
from servicepact.desk.access import staff_required
from servicepact.desk.actions import ACTIONS, Action, available, make_form
from servicepact.desk.compliance import contract_compliance
from servicepact.desk.contract_context import asset_outage_form, contract_forms
from servicepact.desk.forms import AssignAlertForm, QueueFilterForm
from servicepact.desk.parts import part_context
from servicepact.desk.queue import build_queue
from servicepact.desk.records import (
    category_targets,
    contract_dates,
    contract_terms,
    coverage_bars,
    current_line,
    target_rows,
)
from servicepact.desk.search import search_tickets, ticket_number
from servicepact.desk.spare_parts import spare_context
from servicepact.desk.warranty_forms import warranty_context
from servicepact.desk.worklog_forms import worklog_context
from servicepact.monitoring.availability import recent_availability
from servicepact.monitoring.models import Alert
from servicepact.monitoring.selectors import inbox_status, outages_visible, unmatched_alerts
from servicepact.monitoring.services import assign_alert_asset
from servicepact.notifications.choices import Channel as NotificationChannel
from servicepact.notifications.models import Notification
from servicepact.notifications.selectors import dead_letters, mark_read, unread_for
from servicepact.tickets.attachments import ticket_files
from servicepact.tickets.choices import OPEN_STATUSES, EventKind, Status
from servicepact.tickets.live import clocks_for_ticket, ticket_state
from servicepact.tickets.models import Ticket
from servicepact.tickets.refresh import ticket_terms
from servicepact.tickets.selectors import get_ticket, ticket_list, visible_comments, visible_events
from servicepact.tickets.sla_state import SlaState
from servicepact.tickets.system_notes import stored_reason
from servicepact.tickets.vendor_clocks import vendor_clocks

# Events that belong on a ticket's clock timeline (the rest is in the full history).
CLOCK_EVENTS = frozenset(
    {
        EventKind.OPENED,
        EventKind.ACKNOWLEDGED,
        EventKind.PAUSED,
        EventKind.RESUMED,
        EventKind.ONSITE_ARRIVED,
        EventKind.RESTORED,
        EventKind.RESOLVED,
        EventKind.REOPENED,
        EventKind.PRIORITY_CHANGED,
        EventKind.DEADLINE_MOVED,
        EventKind.THRESHOLD_CROSSED,
        EventKind.BREACHED,
        EventKind.UPDATED,  # only written for clock reasons: breach withdrawn, new terms
    }
)


BY_DEADLINE = (F("next_deadline_at").asc(nulls_last=True), "opened_at")


agent_timezone = staff_timezone  # the agent's own zone (StaffProfile.timezone)


def labels() -> dict[str, dict[str, str]]:
    return {
        "metric_labels": metric_labels(),
        "status_labels": {k: str(v) for k, v in Status.choices},
    }


# ---------------------------------------------------------------- queue


def _queue_context(request: HttpRequest) -> dict[str, Any]:
    form = QueueFilterForm(request.GET)
    moment = now()
    queue = build_queue(request.user, form.values(), moment, request.GET.get("after", ""))
    filters = request.GET.copy()
    filters.pop("after", None)  # a page of the queue is not a filter
    query = filters.urlencode()
    next_query = ""
    if queue.next_cursor:
        filters["after"] = queue.next_cursor
        next_query = filters.urlencode()
    return {
        "form": form,
        "queue": queue,
        "now": moment,
        "agent_tz": agent_timezone(request.user),
        "query": query,
        "next_query": next_query,
    }


@require_GET
@staff_required
def queue(request: HttpRequest) -> HttpResponse:
    return render(request, "desk/queue.html", _queue_context(request))


@require_GET
@staff_required
def queue_rows(request: HttpRequest) -> HttpResponse:
    """The queue's table body (and, out of band, the counts): polled every 30 s by htmx."""
    context = {**_queue_context(request), "oob": True}
    response = render(request, "desk/_queue_rows.html", context)
    htmx: HtmxDetails | None = getattr(request, "htmx", None)  # django-htmx's middleware
    if htmx and htmx.trigger == "queue-filters":
        query = context["query"]
        push_url(response, reverse("desk:queue") + (f"?{query}" if query else ""))
    return response


# ---------------------------------------------------------------- search


@require_GET
@staff_required
def search(request: HttpRequest) -> HttpResponse:
    """The header's search box: a number that names one ticket opens it; else a result list."""
    term = request.GET.get("q", "").strip()
    number = ticket_number(term)
    if number and request.GET.get("page") is None:
        exact = Ticket.objects.filter(number=number).values_list("pk", flat=True).first()
        if exact is not None:
            return redirect("desk:ticket", pk=exact)
    results = search_tickets(term, page=request.GET.get("page"))
    return render(
        request,
        "desk/search.html",
        {
            "q": term,
            "page": results,
            "page_query": urlencode({"q": term}),
            "agent_tz": agent_timezone(request.user),
        },
    )


# ---------------------------------------------------------------- ticket


def _ticket_context(
    request: HttpRequest,
    ticket: Ticket,
    *,
    bound: tuple[str, Any] | None = None,
    error: str = "",
) -> dict[str, Any]:
    moment = now()
    user = request.user
    terms = ticket_terms(ticket)
    names = {p: terms.priority_name(p) for p in (1, 2, 3, 4)}
    events = list(visible_events(user, ticket))
    recorded = {e.kind for e in events}
    forms: list[tuple[Action, Any]] = []
    for action in available(ticket, recorded):
        form = bound[1] if bound and bound[0] == action.name else None
        forms.append((action, form or make_form(action, priority_names=names)))
    comment_form = (
        bound[1]
        if bound and bound[0] == "comment"
        else make_form(ACTIONS["comment"], priority_names=names)
    )
    clocks = clocks_for_ticket(ticket, moment)
    state = ticket_state(clocks)
    return {
        "ticket": ticket,
        "now": moment,
        "clocks": clocks,
        "state": state,
        "state_label": str(SlaState(state).label),
        "agent_tz": agent_timezone(user),
        "events": events,
        "timeline": [e for e in events if e.kind in CLOCK_EVENTS],
        "comments": list(visible_comments(user, ticket).prefetch_related("attachments")),
        "ticket_files": ticket_files(user, ticket),
        "actions": forms,
        "open_action": bound[0] if bound else "",
        "comment_form": comment_form,
        "error": error,
        "plan": ticket_plan(ticket),
        # The vendors' back-to-back clocks, beside ours: where the risk comes from.
        "vendor_clocks": vendor_clocks(ticket, moment),
        **labels(),
        **worklog_context(ticket, user),
        **part_context(ticket),
        **spare_context(ticket, user),
    }


def ticket_plan(ticket: Ticket) -> Any:
    """The plan a ticket is measured under: its contract's, or its warranty's tier."""
    if ticket.contract is not None:
        return ticket.contract.plan
    return ticket.warranty.plan if ticket.warranty is not None else None


ticket_page_context = _ticket_context  # the ticket page's context, for its other forms


@require_GET
@staff_required
def ticket_detail(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = get_ticket(request.user, pk)
    return render(request, "desk/ticket.html", _ticket_context(request, ticket))


@require_POST
@staff_required
def ticket_action(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    action = ACTIONS.get(name)
    if action is None:
        raise Http404(_("No such action"))
    ticket = get_ticket(request.user, pk)
    terms = ticket_terms(ticket)
    form = make_form(
        action,
        request.POST,
        files=request.FILES,
        priority_names={p: terms.priority_name(p) for p in (1, 2, 3, 4)},
    )
    # A datetime typed into the form is the agent's local time.
    with timezone.override(zone(agent_timezone(request.user))):
        valid = form.is_valid()
    if not valid:
        return _rerender(request, ticket, action, form, status=422)
    try:
        action.run(ticket, request.user, form.cleaned_data)
    except TransitionError as exc:
        return _rerender(request, ticket, action, form, status=409, error=exc.message)
    except DomainValidationError as exc:
        for field, problems in exc.errors.items():
            form.add_error(field if field in form.fields else None, problems)
        return _rerender(request, ticket, action, form, status=422)
    messages.success(request, action.done_message)
    anchor = "#comments" if name == "comment" else ""
    return redirect(reverse("desk:ticket", args=[ticket.pk]) + anchor)


def _rerender(
    request: HttpRequest, ticket: Ticket, action: Action, form: Any, *, status: int, error: str = ""
) -> HttpResponse:
    fresh = get_ticket(request.user, ticket.pk)  # the page shows the state as it is now
    context = _ticket_context(request, fresh, bound=(action.name, form), error=error)
    context["failed_action"] = action
    return render(request, "desk/ticket.html", context, status=status)


# ---------------------------------------------------------------- customers, contracts, assets


def _today(tz: str) -> date:
    return local_date(now(), tz)


def _with_status(contract: Contract, today: date) -> tuple[Contract, str, str]:
    status = contract.status_on(today)
    return contract, status, str(ContractStatus(status).label)


@require_GET
@staff_required
def customer_list(request: HttpRequest) -> HttpResponse:
    customers = customers_for(request.user).annotate(
        site_count=Count("sites", distinct=True),
        asset_count=Count("assets", distinct=True),
        contract_count=Count("contracts", distinct=True),
        open_tickets=Count("tickets", filter=Q(tickets__status__in=OPEN_STATUSES), distinct=True),
    )
    return render(request, "desk/customers.html", {"customers": customers})


@require_GET
@staff_required
def customer_detail(request: HttpRequest, pk: int) -> HttpResponse:
    customer = get_object_or_404(customers_for(request.user), pk=pk)
    today = _today(customer.timezone)
    contracts = list(customer.contracts.select_related("plan").order_by("-start_date"))
    assets = list(
        customer.assets.select_related("site").prefetch_related("contract_lines__contract__plan")
    )
    asset_rows = [(a, current_line(list(a.contract_lines.all()), today)) for a in assets]
    tickets = ticket_list(request.user, customer=customer.pk, open_only=True).order_by(*BY_DEADLINE)
    return render(
        request,
        "desk/customer.html",
        {
            "customer": customer,
            "today": today,
            "sites": customer.sites.all(),
            "contacts": customer.contacts.select_related("site", "user"),
            "contracts": [_with_status(c, today) for c in contracts],
            "asset_rows": asset_rows,
            "covered_count": sum(1 for _a, line in asset_rows if line),
            "tickets": tickets,
            "now": now(),
            "agent_tz": agent_timezone(request.user),
        },
    )


@require_GET
@staff_required
def contract_list(request: HttpRequest) -> HttpResponse:
    contracts = (
        Contract.objects.select_related("customer", "plan")
        .annotate(
            asset_count=Count("lines", distinct=True),
            open_tickets=Count(
                "tickets", filter=Q(tickets__status__in=OPEN_STATUSES), distinct=True
            ),
        )
        .order_by("customer__name", "number")
    )
    rows = [_with_status(c, _today(c.customer.timezone)) for c in contracts]
    return render(request, "desk/contracts.html", {"rows": rows})


@require_GET
@staff_required
def contract_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return contract_page(request, contract_for_page(pk))


def contract_for_page(pk: int) -> Contract:
    return get_object_or_404(
        Contract.objects.select_related("customer", "plan", "plan__calendar", "service_manager"),
        pk=pk,
    )


def contract_page(
    request: HttpRequest,
    contract: Contract,
    *,
    bound: tuple[str, Any] | None = None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    """The contract page; ``bound`` re-shows a refused form (name, form) with its errors."""
    moment = now()
    today = _today(contract.customer.timezone)
    terms = contract_terms(contract, moment)
    period, compliance = contract_compliance(contract, moment)
    return render(
        request,
        "desk/contract.html",
        {
            "contract": contract,
            "status": contract.status_on(today),
            "status_label": ContractStatus(contract.status_on(today)).label,
            "today": today,
            **contract_dates(contract),
            "terms": terms,
            "version": terms.version if terms else None,
            "metrics": list(metric_labels().values()),
            "target_rows": target_rows(terms) if terms else [],
            "category_targets": category_targets(terms) if terms else [],
            "kpis": terms.version.kpis.all() if terms and terms.version else [],
            "versions": [
                (v, stored_reason(v))  # system-written reasons in the reader's language
                for v in contract.versions.select_related("created_by").order_by("-number")
            ],
            "lines": contract.lines.select_related("asset", "asset__site").order_by(
                "asset__hostname"
            ),
            "period": period,
            "compliance": compliance,
            # No service manager: say who hears of its escalations instead (accounts.duty).
            "escalation_fallback": None if contract.service_manager_id else duty().label,
            "availability": recent_availability(contract, moment),
            "open_tickets": ticket_list(request.user, open_only=True)
            .filter(contract=contract)
            .order_by(*BY_DEADLINE),
            "now": moment,
            "agent_tz": agent_timezone(request.user),
            **contract_forms(request.user, contract, bound=bound, error=error),
        },
        status=status,
    )


@require_GET
@staff_required
def asset_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return asset_page(request, asset_for_page(pk))


def asset_for_page(pk: int) -> Asset:
    return get_object_or_404(Asset.objects.select_related("customer", "site"), pk=pk)


def asset_page(
    request: HttpRequest,
    asset: Asset,
    *,
    bound: Any = None,
    warranty_bound: tuple[str, Any] | None = None,
    status: int = 200,
) -> HttpResponse:
    """The asset page; ``bound`` re-shows a refused outage form with its errors,
    ``warranty_bound`` (name, form) a refused warranty form."""
    moment = now()
    today = _today(asset.customer.timezone)
    lines = list(
        asset.contract_lines.select_related("contract", "contract__plan").order_by("start_date")
    )
    coverage = resolve_coverage(
        customer=asset.customer, asset=asset, at=moment, impact=3, urgency=3
    )
    tickets = ticket_list(request.user, asset=asset.pk).order_by("-opened_at")
    return render(
        request,
        "desk/asset.html",
        {
            "asset": asset,
            "today": today,
            "coverage": coverage,
            "coverage_label": CoverageStatus(coverage.status).label,
            "bars": coverage_bars(lines, today),
            "tickets": tickets[:100],
            "ticket_count": tickets.count(),
            "now": moment,
            "agent_tz": agent_timezone(request.user),
            "outage_form": bound or asset_outage_form(asset),
            "outages": outages_visible(request.user).filter(asset=asset)[:20],
            **warranty_context(asset, bound=warranty_bound),
        },
        status=status,
    )


# ---------------------------------------------------------------- changes (read-only)


@require_GET
@staff_required
def change_list(request: HttpRequest) -> HttpResponse:
    """Every customer's maintenance windows; the customer approves them in the portal."""
    status = request.GET.get("status", "")
    changes = changes_for(request.user).order_by("-planned_start", "-id")
    if status in ChangeStatus.values:
        changes = changes.filter(status=status)
    else:
        status = ""
    return render(
        request,
        "desk/changes.html",
        {
            "changes": changes[:500],
            "status": status,
            "statuses": ChangeStatus.choices,
            "agent_tz": agent_timezone(request.user),
        },
    )


# ---------------------------------------------------------------- alert triage


def _alert_assets(alert: Alert) -> QuerySet[Asset]:
    """The hosts an alert may be put on: its source's customer's, or any for a shared source."""
    assets = Asset.objects.select_related("customer").order_by("hostname", "customer__name")
    customer_id = alert.source.customer_id
    return assets.filter(customer_id=customer_id) if customer_id else assets


def _alert_form(alert: Alert, data: Any = None) -> AssignAlertForm:
    return AssignAlertForm(data, assets=_alert_assets(alert), auto_id=f"id_alert{alert.pk}_%s")


def _alerts_page(
    request: HttpRequest,
    *,
    bound: tuple[int, Any] | None = None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    alerts = list(unmatched_alerts()[:200])
    rows = [(a, bound[1] if bound and bound[0] == a.pk else _alert_form(a)) for a in alerts]
    context = {
        "rows": rows,
        "total": unmatched_alerts().count(),
        "inbox": inbox_status(),
        "error": error,
        "agent_tz": agent_timezone(request.user),
    }
    return render(request, "desk/alerts.html", context, status=status)


@require_GET
@staff_required
def alert_list(request: HttpRequest) -> HttpResponse:
    """Alerts no asset matched, newest first, each with a form to put it on a host."""
    return _alerts_page(request)


@require_POST
@staff_required
def alert_assign(request: HttpRequest, pk: int) -> HttpResponse:
    alert = get_object_or_404(Alert.objects.select_related("source", "source__customer"), pk=pk)
    form = _alert_form(alert, request.POST)
    if not form.is_valid():
        return _alerts_page(request, bound=(alert.pk, form), status=422)
    asset = form.cleaned_data["asset"]
    try:
        assign_alert_asset(alert=alert, asset=asset, actor=actor_of(request))
    except TransitionError as exc:
        return _alerts_page(request, error=exc.message, status=409)
    except DomainValidationError as exc:
        for field, problems in exc.errors.items():
            form.add_error(field if field in form.fields else None, problems)
        return _alerts_page(request, bound=(alert.pk, form), status=422)
    messages.success(
        request,
        _("Alert %(name)s is now on %(host)s.") % {"name": alert.name, "host": asset.hostname},
    )
    return redirect("desk:alerts")


# ---------------------------------------------------------------- notifications


@require_GET
@staff_required
def notification_list(request: HttpRequest) -> HttpResponse:
    """The agent's in-app notifications (unread first) and the outbox's dead letters."""
    unread = list(unread_for(request.user)[:100])
    recent = Notification.objects.filter(
        user=actor_of(request), channel=NotificationChannel.IN_APP, read_at__isnull=False
    ).order_by("-read_at", "-id")[:20]
    dead = dead_letters()
    return render(
        request,
        "desk/notifications.html",
        {
            "unread": unread,
            "recent": recent,
            "dead": dead[:200],
            "dead_count": dead.count(),
            "agent_tz": agent_timezone(request.user),
        },
    )


@require_POST
@staff_required
def notification_read(request: HttpRequest) -> HttpResponse:
    """Marks one notification (``id``) or, without one, all of the agent's unread ones read."""
    ids = [int(i) for i in request.POST.getlist("id") if i.isdigit()]
    count = mark_read(user=request.user, ids=ids or None)
    messages.success(
        request,
        ngettext("%(n)d notification marked read.", "%(n)d notifications marked read.", count)
        % {"n": count},
    )
    return redirect("desk:notifications")
