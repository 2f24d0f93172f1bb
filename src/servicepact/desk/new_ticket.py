"""The desk's "New ticket": an agent takes a ticket down (phone, chat, e-mail, on site).

Parse -> ``tickets.services.open_ticket`` -> redirect to the ticket. The live preview (coverage,
priority and deadlines) is ``tickets.preview.preview_ticket``, the same one the portal shows;
it follows the customer, impact, urgency, category, contact and asset, and writes nothing.
Contacts and assets are those of the chosen customer; htmx refreshes both lists when the
customer changes and narrows the assets as the agent types. Without JavaScript, "Update lists
and preview" posts the form back and nothing is created.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from servicepact.accounts.actors import actor_of
from servicepact.core.errors import DomainValidationError
from servicepact.core.time import now
from servicepact.customers.models import Customer
from servicepact.desk.access import staff_required
from servicepact.desk.forms import NewTicketForm
from servicepact.desk.views import agent_timezone
from servicepact.tickets import services
from servicepact.tickets.choices import Category
from servicepact.tickets.preview import TicketPreview, preview_ticket, ticket_site, ticket_zone

PREVIEW_FIELDS = ("customer", "contact", "asset", "category", "impact", "urgency")


def _customer(data: QueryDict) -> Customer | None:
    value = data.get("customer", "")
    if not value.isdigit():
        return None
    return Customer.objects.filter(pk=int(value), is_active=True).first()


def _valid(form: NewTicketForm) -> dict[str, Any]:
    """The fields that parsed (a contact of another customer is simply left out)."""
    form.is_valid()
    return {k: v for k, v in form.cleaned_data.items() if k not in form.errors}


def _preview(data: QueryDict) -> tuple[TicketPreview | None, str]:
    """The preview for the answers so far, and the zone the contact (or site) lives in."""
    customer = _customer(data)
    if customer is None:
        return None, ""
    values = _valid(NewTicketForm({k: data.get(k, "") for k in PREVIEW_FIELDS}, customer=customer))
    if "impact" not in values or "urgency" not in values:
        return None, ""
    contact, asset = values.get("contact"), values.get("asset")
    preview = preview_ticket(
        customer=customer,
        contact=contact,
        asset=asset,
        impact=values["impact"],
        urgency=values["urgency"],
        category=values.get("category") or Category.HARDWARE,
        at=now(),
    )
    zone = contact.local_timezone if contact else ticket_zone(ticket_site(asset, None), customer)
    return preview, zone


def _page(
    request: HttpRequest, form: NewTicketForm, data: QueryDict, status: int = 200
) -> HttpResponse:
    preview, other = _preview(data)
    context = {
        "form": form,
        "preview": preview,
        "tz": agent_timezone(request.user),
        "tz_other": other,
        "staff_view": True,
    }
    return render(request, "desk/ticket_new.html", context, status=status)


def _unbound(data: QueryDict) -> NewTicketForm:
    """A form showing ``data`` as its initial answers (lists narrowed, no error shown yet)."""
    form = NewTicketForm(initial=data.dict(), customer=_customer(data))
    form.search_assets(data.get("asset_q", ""), chosen=data.get("asset", ""))
    return form


@require_http_methods(["GET", "POST"])
@staff_required
def ticket_new(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return _page(request, _unbound(request.GET), request.GET)
    data = request.POST
    if "refresh" in data:
        return _page(request, _unbound(data), data)
    form = NewTicketForm(data, customer=_customer(data))
    if not form.is_valid():
        return _page(request, form, data, status=422)
    values = form.cleaned_data
    try:
        ticket = services.open_ticket(
            customer=values["customer"],
            contact=values["contact"],
            asset=values["asset"],
            subject=values["subject"],
            description=values["description"],
            channel=values["channel"],
            category=values["category"],
            kind=values["kind"],
            impact=values["impact"],
            urgency=values["urgency"],
            actor=actor_of(request),
        )
    except DomainValidationError as exc:
        for field, problems in exc.errors.items():
            form.add_error(field if field in form.fields else None, problems)
        return _page(request, form, data, status=422)
    messages.success(
        request, _("Ticket %(number)s is open; its clocks run.") % {"number": ticket.number}
    )
    return redirect("desk:ticket", pk=ticket.pk)


@require_GET
@staff_required
def ticket_new_choices(request: HttpRequest) -> HttpResponse:
    """htmx: the contact or asset list (``part``) of the chosen customer, narrowed by ``asset_q``."""
    part = "contact" if request.GET.get("part") == "contact" else "asset"
    return render(request, "desk/_new_ticket_choice.html", {"field": _unbound(request.GET)[part]})


@require_GET
@staff_required
def ticket_new_preview(request: HttpRequest) -> HttpResponse:
    """htmx: coverage, priority and deadlines for the answers so far. Writes nothing."""
    preview, other = _preview(request.GET)
    return render(
        request,
        "servicepact/_ticket_preview.html",
        {
            "preview": preview,
            "tz": agent_timezone(request.user),
            "tz_other": other,
            "staff_view": True,
        },
    )
