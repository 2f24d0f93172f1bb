"""Portal after the repair: the survey on a resolved ticket, the public survey page of the
resolution e-mail's signed link (no login), guarantee claims (raise, list).

Reads through ``aftercare.selectors`` and ``tickets.selectors.get_ticket`` (a contact's own
customer's tickets only: 404 otherwise), writes through ``aftercare.services``."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from servicepact.accounts.actors import actor_of
from servicepact.aftercare import services
from servicepact.aftercare.choices import SCORES, ClaimKind, ClaimStatus, SurveyVia
from servicepact.aftercare.models import Survey
from servicepact.aftercare.selectors import claims_for
from servicepact.core.errors import DomainValidationError, TransitionError
from servicepact.core.pagination import paginate_page
from servicepact.customers.selectors import contact_for
from servicepact.portal.access import contact_required
from servicepact.tickets.models import Ticket
from servicepact.tickets.selectors import get_ticket

SCORE_CHOICES = [(s, str(s)) for s in SCORES]


class SurveyForm(forms.Form):
    score = forms.TypedChoiceField(
        label=gettext_lazy("How satisfied are you? (1 = not at all, 5 = very)"),
        choices=SCORE_CHOICES,
        coerce=int,
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=gettext_lazy("Anything to tell us? (optional)"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ClaimForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("What do you claim?"), choices=ClaimKind.choices)
    amount = forms.DecimalField(
        label=gettext_lazy("Amount (the contract's currency)"), min_value=0, max_digits=12
    )
    reason = forms.CharField(
        label=gettext_lazy("Why?"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )


def _add_errors(form: forms.Form, exc: DomainValidationError) -> None:
    for field, problems in exc.errors.items():
        form.add_error(field if field in form.fields else None, problems)


def aftercare_context(ticket: Ticket, **forms_: Any) -> dict[str, Any]:
    """The ticket page's "how did we do" and guarantee sections."""
    survey = Survey.objects.filter(ticket=ticket).first()
    resolved = ticket.status in services.RESOLVED_STATES and ticket.resolved_at is not None
    claims = list(claims_for_ticket(ticket))
    claim_open = (
        resolved
        and ticket.contract_id is not None
        and not any(c.status != ClaimStatus.DECLINED for c in claims)
    )
    window = services.guarantee_window(ticket) if resolved and ticket.contract_id else None
    return {
        "survey": survey,
        "survey_form": forms_.get("survey_form")
        or (SurveyForm(prefix="survey") if resolved and survey is None else None),
        "claims": claims,
        "claim_form": forms_.get("claim_form")
        or (ClaimForm(prefix="claim") if claim_open else None),
        "guarantee_days": window[0] if window else None,
        "guarantee_until": window[1] if window else None,
    }


def claims_for_ticket(ticket: Ticket) -> Any:
    return ticket.guarantee_claims.order_by("-raised_at", "-id")


def _ticket_page(request: HttpRequest, ticket: Ticket, status: int, **forms_: Any) -> HttpResponse:
    from servicepact.portal.views import ticket_context

    return render(
        request, "portal/ticket.html", ticket_context(request, ticket, **forms_), status=status
    )


@require_POST
@contact_required
def ticket_survey(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = get_ticket(request.user, pk)
    form = SurveyForm(request.POST, prefix="survey")
    status = 422
    if form.is_valid():
        try:
            services.answer_survey(
                ticket=ticket,
                score=form.cleaned_data["score"],
                comment=form.cleaned_data["comment"],
                via=SurveyVia.PORTAL,
                contact=contact_for(request.user),
            )
        except DomainValidationError as exc:
            _add_errors(form, exc)
        except TransitionError as exc:
            form.add_error(None, exc.message)
            status = 409
        else:
            messages.success(request, _("Thank you for your answer."))
            return redirect(reverse("portal:ticket", args=[ticket.pk]) + "#survey")
    return _ticket_page(request, ticket, status, survey_form=form)


@require_POST
@contact_required
def ticket_claim(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = get_ticket(request.user, pk)
    form = ClaimForm(request.POST, prefix="claim")
    if form.is_valid():
        try:
            services.raise_claim(
                ticket=ticket,
                actor=actor_of(request),
                kind=form.cleaned_data["kind"],
                amount=form.cleaned_data["amount"],
                reason=form.cleaned_data["reason"],
            )
        except DomainValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("Your claim was sent. A service manager will decide it."))
            return redirect(reverse("portal:ticket", args=[ticket.pk]) + "#guarantee")
    return _ticket_page(request, ticket, 422, claim_form=form)


@require_GET
@contact_required
def claim_list(request: HttpRequest) -> HttpResponse:
    page = paginate_page(claims_for(request.user), page=request.GET.get("page"), per_page=50)
    return render(request, "portal/claims.html", {"page": page, "page_query": ""})


@csrf_protect
@require_http_methods(["GET", "POST"])
def survey_by_link(request: HttpRequest, token: str) -> HttpResponse:
    """The resolution e-mail's survey link, without login: a forged link is a 404; an
    expired or used one a page that says so (410 / 409); else the form."""
    try:
        ticket = services.ticket_of_link(token)
    except services.LinkForged as exc:
        raise Http404(_("No such survey link")) from exc
    except services.LinkExpired:
        return render(request, "portal/survey_link.html", {"state": "expired"}, status=410)
    if Survey.objects.filter(ticket=ticket).exists():
        return render(
            request, "portal/survey_link.html", {"state": "used", "ticket": ticket}, status=409
        )
    form = SurveyForm(request.POST or None, prefix="survey")
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                services.answer_survey_by_link(
                    token=token,
                    score=form.cleaned_data["score"],
                    comment=form.cleaned_data["comment"],
                )
            except TransitionError:
                return render(
                    request,
                    "portal/survey_link.html",
                    {"state": "used", "ticket": ticket},
                    status=409,
                )
            except DomainValidationError as exc:
                _add_errors(form, exc)
            else:
                return render(
                    request, "portal/survey_link.html", {"state": "thanks", "ticket": ticket}
                )
    return render(
        request,
        "portal/survey_link.html",
        {"state": "form", "ticket": ticket, "form": form},
        status=status,
    )
