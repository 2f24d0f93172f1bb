"""The "Spare parts" section of the desk's ticket page and work order page: the ticket's
reservations with their actions (mark delivered, consume, release) and a form to reserve a
part (optionally for one of its work orders). Forms parse, ``stock.services`` writes; a
refusal re-renders the page with the form and the error next to its field (422), a step the
reservation's status forbids says why (409)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from servicepact.accounts.actors import actor_of
from servicepact.core.errors import DomainValidationError, TransitionError
from servicepact.desk.access import staff_required
from servicepact.desk.stock_forms import ConsumeForm, ReserveForm
from servicepact.fieldservice.models import WorkOrder
from servicepact.fieldservice.selectors import get_work_order
from servicepact.stock import services
from servicepact.stock.choices import OPEN_RESERVATION, ReservationStatus
from servicepact.stock.models import Reservation
from servicepact.stock.selectors import reservations_for
from servicepact.tickets.models import Ticket
from servicepact.tickets.selectors import get_ticket

# action -> (label, the statuses it applies to)
ACTIONS: dict[str, tuple[Any, tuple[str, ...]]] = {
    "deliver": (gettext_lazy("Mark delivered"), (ReservationStatus.RESERVED,)),
    "consume": (gettext_lazy("Consume (fitted)"), OPEN_RESERVATION),
    "release": (gettext_lazy("Release"), OPEN_RESERVATION),
}


def submit_form(form: forms.Form, call: Callable[[dict[str, Any]], Any]) -> tuple[bool, str]:
    """Runs ``call`` with the cleaned form: (done, a page-level error). A service's
    ``DomainValidationError`` goes onto the form's field of that name (else the form's
    top); a refused step (``TransitionError``) or a forbidden write is the page-level error."""
    if not form.is_valid():
        return False, ""
    try:
        call(form.cleaned_data)
    except DomainValidationError as exc:
        for field, problems in exc.errors.items():
            form.add_error(field if field in form.fields else None, problems)
        return False, ""
    except (TransitionError, PermissionDenied) as exc:
        return False, str(exc)
    return True, ""


def _base(ticket: Ticket, order: WorkOrder | None) -> str:
    if order is not None:
        return reverse("desk:work-order", args=[order.pk])
    return reverse("desk:ticket", args=[ticket.pk])


def spare_context(
    ticket: Ticket,
    user: Any,
    *,
    work_order: WorkOrder | None = None,
    reserve_form: ReserveForm | None = None,
    bound: tuple[int, str, forms.Form] | None = None,
    error: str = "",
) -> dict[str, Any]:
    """The section's context: ``spare`` (rows with their action forms, the reserve form)."""
    base = _base(ticket, work_order)
    rows = []
    for row in reservations_for(user).filter(ticket=ticket).select_related("work_order")[:100]:
        actions = []
        for name, (label, allowed) in ACTIONS.items():
            if row.status not in allowed:
                continue
            if bound is not None and bound[:2] == (row.pk, name):
                form: forms.Form | None = bound[2]
            else:
                form = ConsumeForm(prefix=f"r{row.pk}") if name == "consume" else None
            actions.append((name, label, f"{base}spare-parts/{row.pk}/{name}/", form))
        rows.append((row, actions))
    if reserve_form is None:
        initial = {"work_order": work_order.pk} if work_order is not None else {}
        reserve_form = ReserveForm(prefix="reserve", ticket=ticket, initial=initial)
    return {
        "spare": {
            "rows": rows,
            "reserve_form": reserve_form,
            "reserve_url": f"{base}spare-parts/",
            "error": error,
        }
    }


def _where(request: HttpRequest, kind: str, pk: int) -> tuple[Ticket, WorkOrder | None]:
    if kind == "order":
        order = get_work_order(request.user, pk)
        return order.ticket, order
    return get_ticket(request.user, pk), None


def _page(
    request: HttpRequest, ticket: Ticket, order: WorkOrder | None, status: int, **spare: Any
) -> HttpResponse:
    context = spare_context(ticket, request.user, work_order=order, **spare)
    if order is not None:
        from servicepact.desk.dispatch_pages import work_order_page

        return work_order_page(request, order, extra=context, status=status)
    from servicepact.desk.views import ticket_page_context

    page = ticket_page_context(request, get_ticket(request.user, ticket.pk))
    page.update(context)
    return render(request, "desk/ticket.html", page, status=status)


def _done(ticket: Ticket, order: WorkOrder | None) -> HttpResponse:
    return redirect(_base(ticket, order) + "#spare-parts")


@require_POST
@staff_required
def reserve(request: HttpRequest, pk: int, kind: str = "ticket") -> HttpResponse:
    ticket, order = _where(request, kind, pk)
    form = ReserveForm(request.POST, prefix="reserve", ticket=ticket)
    ok, error = submit_form(
        form,
        lambda data: services.reserve_part(
            ticket=ticket,
            part=data["part"],
            depot=data["depot"],
            quantity=data["quantity"],
            work_order_id=data["work_order"].pk if data["work_order"] else None,
            actor=actor_of(request),
        ),
    )
    if not ok:
        return _page(request, ticket, order, 409 if error else 422, reserve_form=form, error=error)
    messages.success(request, _("Part reserved."))
    return _done(ticket, order)


def _act(request: HttpRequest, row: Reservation, name: str, data: dict[str, Any]) -> None:
    actor = actor_of(request)
    if name == "deliver":
        services.deliver_reservation(reservation=row, actor=actor)
    elif name == "consume":
        services.consume_reservation(
            reservation=row, actor=actor, covered_by_contract=data["covered_by_contract"]
        )
    else:
        services.release_reservation(reservation=row, actor=actor)


@require_POST
@staff_required
def reservation_action(
    request: HttpRequest, pk: int, rid: int, action: str, kind: str = "ticket"
) -> HttpResponse:
    if action not in ACTIONS:
        raise Http404(_("No such action"))
    ticket, order = _where(request, kind, pk)
    row = get_object_or_404(Reservation.objects.filter(ticket=ticket), pk=rid)
    form: forms.Form = (
        ConsumeForm(request.POST, prefix=f"r{row.pk}") if action == "consume" else forms.Form({})
    )
    ok, error = submit_form(form, lambda data: _act(request, row, action, data))
    if not ok:
        return _page(
            request, ticket, order, 409 if error else 422, bound=(row.pk, action, form), error=error
        )
    messages.success(request, _("Reservation updated."))
    return _done(ticket, order)
