"""The desk's inbound e-mail triage: unknown senders and messages that could not be processed.

An unknown sender's e-mail can become a ticket of a chosen customer, or be dismissed; a failed
message shows its reason and its raw bytes can be downloaded (``mail.services``).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from servicepact.accounts.actors import actor_of
from servicepact.core.errors import TransitionError
from servicepact.customers.models import Customer
from servicepact.desk.access import staff_required
from servicepact.desk.views import agent_timezone
from servicepact.mail.models import InboundMessage
from servicepact.mail.selectors import triage_messages
from servicepact.mail.services import dismiss_message, open_ticket_from_message


class TriageForm(forms.Form):
    customer = forms.ModelChoiceField(
        label=gettext_lazy("Customer"),
        queryset=Customer.objects.filter(is_active=True).order_by("name"),
        empty_label=gettext_lazy("Choose a customer"),
    )


def _page(request: HttpRequest, status: int = 200, bound: Any = None) -> HttpResponse:
    rows = list(triage_messages()[:200])
    context = {
        "rows": [
            (m, bound[1] if bound and bound[0] == m.pk else TriageForm(auto_id=f"id_mail{m.pk}_%s"))
            for m in rows
        ],
        "total": triage_messages().count(),
        "agent_tz": agent_timezone(request.user),
    }
    return render(request, "desk/mail.html", context, status=status)


@require_GET
@staff_required
def mail_list(request: HttpRequest) -> HttpResponse:
    return _page(request)


@require_POST
@staff_required
def mail_open(request: HttpRequest, pk: int) -> HttpResponse:
    message = get_object_or_404(InboundMessage, pk=pk)
    form = TriageForm(request.POST, auto_id=f"id_mail{pk}_%s")
    if not form.is_valid():
        return _page(request, status=422, bound=(pk, form))
    try:
        ticket = open_ticket_from_message(
            message=message, customer=form.cleaned_data["customer"], actor=actor_of(request)
        )
    except TransitionError as exc:
        messages.error(request, exc.message)
        return _page(request, status=409)
    messages.success(request, _("Ticket %(number)s is open.") % {"number": ticket.number})
    return redirect("desk:ticket", pk=ticket.pk)


@require_POST
@staff_required
def mail_dismiss(request: HttpRequest, pk: int) -> HttpResponse:
    message = get_object_or_404(InboundMessage, pk=pk)
    try:
        dismiss_message(message=message, actor=actor_of(request))
    except TransitionError as exc:
        messages.error(request, exc.message)
        return _page(request, status=409)
    messages.success(request, _("The e-mail was dismissed."))
    return redirect("desk:mail")


@require_GET
@staff_required
def mail_raw(request: HttpRequest, pk: int) -> HttpResponse:
    """The message exactly as received, as a download (never rendered)."""
    message = get_object_or_404(InboundMessage, pk=pk)
    response = HttpResponse(bytes(message.raw), content_type="message/rfc822")
    response["Content-Disposition"] = f'attachment; filename="message-{message.pk}.eml"'
    response["X-Content-Type-Options"] = "nosniff"
    return response
