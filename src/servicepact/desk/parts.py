"""Parts used on a ticket, from the ticket page: recorded and removed through
``billing.parts`` (the API's service); a part out of warranty is charged at the period close."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from servicepact.accounts.actors import actor_of
from servicepact.billing.models import PartUse
from servicepact.billing.parts import (
    DESCRIPTION_MAX,
    PART_NUMBER_MAX,
    QUANTITY_MAX,
    delete_part,
    record_part,
)
from servicepact.core.errors import DomainValidationError
from servicepact.core.time import local_date, now
from servicepact.desk.access import staff_required
from servicepact.tickets.models import Ticket
from servicepact.tickets.selectors import get_ticket


class PartForm(forms.Form):
    date = forms.DateField(
        label=gettext_lazy("Day"), widget=forms.DateInput(attrs={"type": "date"})
    )
    part_number = forms.CharField(label=gettext_lazy("Part number"), max_length=PART_NUMBER_MAX)
    description = forms.CharField(label=gettext_lazy("Description"), max_length=DESCRIPTION_MAX)
    quantity = forms.IntegerField(
        label=gettext_lazy("Quantity"), min_value=1, max_value=QUANTITY_MAX, initial=1
    )
    unit_price = forms.DecimalField(
        label=gettext_lazy("Unit cost (the contract's currency)"), min_value=0, max_digits=12
    )
    under_warranty = forms.BooleanField(
        label=gettext_lazy("Under warranty (not charged)"), required=False
    )


def part_context(ticket: Ticket, form: PartForm | None = None) -> dict[str, Any]:
    """The ticket page's parts section (only for a ticket on a contract: nothing to charge
    otherwise)."""
    if ticket.contract_id is None:
        return {"part_form": None, "parts": []}
    if form is None:
        form = PartForm(prefix="part", initial={"date": local_date(now(), ticket.timezone)})
    return {"part_form": form, "parts": list(ticket.part_uses.order_by("-date", "-id")[:50])}


def _page(
    request: HttpRequest, ticket: Ticket, form: PartForm | None, error: str, status: int
) -> HttpResponse:
    from servicepact.desk.views import ticket_page_context

    context = ticket_page_context(request, ticket, error=error)
    context.update(part_context(ticket, form))
    return render(request, "desk/ticket.html", context, status=status)


@require_POST
@staff_required
def ticket_part(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = get_ticket(request.user, pk)
    form = PartForm(request.POST, prefix="part")
    status, error = 422, ""
    if form.is_valid():
        data = form.cleaned_data
        try:
            record_part(
                ticket=ticket,
                actor=actor_of(request),
                part_number=data["part_number"],
                description=data["description"],
                quantity=data["quantity"],
                unit_price=data["unit_price"],
                under_warranty=data["under_warranty"],
                day=data["date"],
            )
        except PermissionDenied as exc:
            status, error = 403, str(exc)
        except DomainValidationError as exc:
            for field, problems in exc.errors.items():
                form.add_error(field if field in form.fields else None, problems)
        else:
            messages.success(request, _("Part recorded."))
            return redirect(reverse("desk:ticket", args=[ticket.pk]) + "#parts")
    return _page(request, ticket, form, error, status)


@require_POST
@staff_required
def ticket_part_delete(request: HttpRequest, pk: int, part_id: int) -> HttpResponse:
    ticket = get_ticket(request.user, pk)
    part = get_object_or_404(PartUse.objects.filter(ticket=ticket), pk=part_id)
    try:
        delete_part(part=part, actor=actor_of(request))
    except DomainValidationError as exc:
        problems = "; ".join(p for ps in exc.errors.values() for p in ps)
        return _page(request, ticket, None, problems, 422)
    messages.success(request, _("Part deleted."))
    return redirect(reverse("desk:ticket", args=[ticket.pk]) + "#parts")
