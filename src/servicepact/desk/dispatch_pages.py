"""Desk pages of dispatch: the board of a day (engineers × their visits, in each engineer's
zone), an engineer's own day, one work order with the actions its status allows
(``fieldservice.transitions``), and planning a visit from a ticket. Reads through
``fieldservice.selectors``, writes through ``fieldservice.services``."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST
from django_stubs_ext import StrOrPromise

from servicepact.accounts.actors import actor_of
from servicepact.accounts.selectors import staff_timezone
from servicepact.core.errors import DomainValidationError, TransitionError
from servicepact.core.pagination import paginate_page
from servicepact.core.time import local_date, now, zone
from servicepact.desk.access import staff_required
from servicepact.desk.spare_parts import spare_context
from servicepact.fieldservice import services
from servicepact.fieldservice.choices import ACTION_LABELS, REASON_MAX, SIGNER_MAX, WORK_DONE_MAX
from servicepact.fieldservice.models import Depot, Engineer, WorkOrder
from servicepact.fieldservice.selectors import (
    board_engineers,
    day_plan,
    engineer_of,
    get_work_order,
    signature_file,
)
from servicepact.fieldservice.transitions import actions_for
from servicepact.tickets.attachments import download_response
from servicepact.tickets.selectors import get_ticket

LOCAL_INPUT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
LOCAL_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]


def _local(label: StrOrPromise, *, help_text: StrOrPromise = "") -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label,
        required=False,
        widget=LOCAL_INPUT,
        input_formats=LOCAL_FORMATS,
        help_text=help_text,
    )


class PlanVisitForm(forms.Form):
    engineer = forms.ModelChoiceField(
        label=gettext_lazy("Engineer"),
        queryset=Engineer.objects.filter(active=True).select_related("user", "home_depot"),
    )
    planned_arrival = forms.DateTimeField(
        label=gettext_lazy("Planned arrival"),
        widget=LOCAL_INPUT,
        input_formats=LOCAL_FORMATS,
        help_text=gettext_lazy("In the engineer's time zone."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["engineer"].label_from_instance = (  # type: ignore[attr-defined]
            lambda e: f"{e.name} · {e.home_depot.name} · {e.timezone}"
        )


class AtForm(forms.Form):
    at = _local(
        gettext_lazy("When"), help_text=gettext_lazy("Leave empty for now. Your time zone.")
    )


class DepartForm(AtForm):
    work_done = forms.CharField(
        label=gettext_lazy("Work done"),
        required=False,
        max_length=WORK_DONE_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    log_time = forms.BooleanField(
        label=gettext_lazy("Log the on-site time as work"), required=False, initial=True
    )


class CancelVisitForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Why is the visit cancelled?"), max_length=REASON_MAX
    )


class WorkDoneForm(forms.Form):
    work_done = forms.CharField(
        label=gettext_lazy("Work done"), max_length=WORK_DONE_MAX, widget=forms.Textarea
    )


class SignForm(forms.Form):
    signer_name = forms.CharField(label=gettext_lazy("Signed by"), max_length=SIGNER_MAX)
    signed_at = _local(
        gettext_lazy("Signed at"), help_text=gettext_lazy("Leave empty for now. Your time zone.")
    )


ACTION_FORMS: dict[str, type[forms.Form]] = {
    "travel": AtForm,
    "arrive": AtForm,
    "depart": DepartForm,
    "cancel": CancelVisitForm,
    "work": WorkDoneForm,
    "sign": SignForm,
}


def _in_zone(value: datetime | None, tz: str) -> datetime | None:
    """A naive local time from a form, as an aware instant in ``tz``."""
    return None if value is None else value.replace(tzinfo=zone(tz))


def _my_zone(request: HttpRequest) -> str:
    return staff_timezone(request.user)


def _day(request: HttpRequest, tz: str) -> date:
    raw = request.GET.get("day", "")
    try:
        return date.fromisoformat(raw) if raw else local_date(now(), tz)
    except ValueError:
        return local_date(now(), tz)


@require_GET
@staff_required
def dispatch_board(request: HttpRequest) -> HttpResponse:
    """Engineers (50 a page) × their visits planned on the day, each in the engineer's zone."""
    day = _day(request, _my_zone(request))
    depot_raw = request.GET.get("depot", "")
    depot = int(depot_raw) if depot_raw.isdigit() else None
    page = paginate_page(board_engineers(depot), page=request.GET.get("page"), per_page=50)
    rows = day_plan(page.items, day)
    query = f"day={day.isoformat()}" + (f"&depot={depot}" if depot else "")
    return render(
        request,
        "desk/dispatch_board.html",
        {
            "day": day,
            "rows": rows,
            "page": page,
            "page_query": query,
            "depots": Depot.objects.filter(active=True).order_by("name"),
            "depot": depot,
        },
    )


@require_GET
@staff_required
def my_day(request: HttpRequest) -> HttpResponse:
    """The signed-in engineer's visits of the day (in the engineer's zone) with the actions
    each allows."""
    engineer = engineer_of(request.user)
    if engineer is None:
        return render(request, "desk/my_day.html", {"engineer": None, "rows": []})
    day = _day(request, engineer.timezone)
    rows = day_plan([engineer], day)
    orders = rows[0].orders if rows else []
    return render(
        request,
        "desk/my_day.html",
        {
            "engineer": engineer,
            "day": day,
            "orders": [(o, [(a, ACTION_LABELS[a]) for a in actions_for(o.status)]) for o in orders],
        },
    )


def _detail(
    request: HttpRequest,
    order: WorkOrder,
    *,
    bound: tuple[str, forms.Form] | None = None,
    error: str = "",
    status: int = 200,
    extra: dict[str, Any] | None = None,
) -> HttpResponse:
    """The work order page (``extra``: the spare parts section with a refused form)."""
    action_forms = []
    for action in actions_for(order.status):
        if bound is not None and bound[0] == action:
            form = bound[1]
        else:
            form = ACTION_FORMS[action](prefix=action)
        action_forms.append((action, ACTION_LABELS[action], form))
    return render(
        request,
        "desk/work_order.html",
        {
            "order": order,
            "action_forms": action_forms,
            "error": error,
            "agent_tz": _my_zone(request),
            **(extra or spare_context(order.ticket, request.user, work_order=order)),
        },
        status=status,
    )


work_order_page = _detail  # the page with another section's refused form (desk/spare_parts.py)


@require_GET
@staff_required
def work_order_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, get_work_order(request.user, pk))


def _call(action: str, order: WorkOrder, data: dict[str, Any], request: HttpRequest) -> None:
    actor = actor_of(request)
    tz = _my_zone(request)
    if action == "travel":
        services.start_travel(work_order=order, actor=actor, at=_in_zone(data["at"], tz))
    elif action == "arrive":
        services.record_arrival(work_order=order, actor=actor, at=_in_zone(data["at"], tz))
    elif action == "depart":
        services.record_departure(
            work_order=order,
            actor=actor,
            at=_in_zone(data["at"], tz),
            work_done=data["work_done"] or None,
            log_time=data["log_time"],
        )
    elif action == "cancel":
        services.cancel_work_order(work_order=order, actor=actor, reason=data["reason"])
    elif action == "work":
        services.record_work_done(work_order=order, actor=actor, work_done=data["work_done"])
    elif action == "sign":
        services.sign_work_order(
            work_order=order,
            actor=actor,
            signer_name=data["signer_name"],
            signed_at=_in_zone(data["signed_at"], tz),
        )


@require_POST
@staff_required
def work_order_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    order = get_work_order(request.user, pk)
    form_class = ACTION_FORMS.get(action)
    if form_class is None:
        raise Http404(_("No such action"))
    form = form_class(request.POST, prefix=action)
    if not form.is_valid():
        return _detail(request, order, bound=(action, form), status=422)
    try:
        _call(action, order, form.cleaned_data, request)
    except DomainValidationError as exc:
        for field, problems in exc.errors.items():
            form.add_error(field if field in form.fields else None, problems)
        return _detail(request, order, bound=(action, form), status=422)
    except TransitionError as exc:
        return _detail(request, order, error=str(exc), status=409)
    messages.success(request, _("Work order %(order)s updated.") % {"order": str(order)})
    return redirect("desk:work-order", pk=order.pk)


@require_POST
@staff_required
def plan_visit(request: HttpRequest, pk: int) -> HttpResponse:
    """Plans a visit from the ticket page; the first one records the ticket's dispatch."""
    ticket = get_ticket(request.user, pk)
    form = PlanVisitForm(request.POST, prefix="visit")
    if form.is_valid():
        engineer = form.cleaned_data["engineer"]
        try:
            order = services.create_work_order(
                ticket=ticket,
                engineer=engineer,
                planned_arrival_at=form.cleaned_data["planned_arrival"].replace(
                    tzinfo=zone(engineer.timezone)
                ),
                actor=actor_of(request),
            )
        except DomainValidationError as exc:
            messages.error(request, "; ".join(m for ms in exc.errors.values() for m in ms))
        except (TransitionError, PermissionDenied) as exc:
            messages.error(request, str(exc))
        else:
            return redirect("desk:work-order", pk=order.pk)
    else:
        messages.error(request, "; ".join(str(m) for ms in form.errors.values() for m in ms))
    return redirect(reverse("desk:ticket", args=[ticket.pk]) + "#visits")


@require_GET
@staff_required
def work_order_signature(request: HttpRequest, pk: int) -> HttpResponseBase:
    """The drawn signature (a PNG) as a download: never rendered in the page."""
    return download_response(signature_file(request.user, pk))
