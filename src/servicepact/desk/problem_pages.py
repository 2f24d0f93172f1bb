"""Desk pages of problems (``changes.problems``): the list with a form to record one, and a
problem's page to change its status, root cause, workaround and links. Tickets and changes
are named by their numbers (SP-000123, CH-000045)."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from servicepact.accounts.actors import actor_of
from servicepact.changes.choices import ProblemStatus
from servicepact.changes.models import PLAN_MAX_CHARS, Change, Problem
from servicepact.changes.problems import problems_for, record_problem, update_problem
from servicepact.core.errors import DomainValidationError
from servicepact.core.pagination import paginate_page
from servicepact.customers.models import Customer
from servicepact.desk.access import staff_required
from servicepact.desk.release_pages import _errors_onto
from servicepact.tickets.models import Ticket

NUMBERS = re.compile(r"[\s,;]+")


def _text(label: Any) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=False,
        max_length=PLAN_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ProblemForm(forms.Form):
    customer = forms.ModelChoiceField(
        label=gettext_lazy("Customer"), queryset=Customer.objects.order_by("name")
    )
    title = forms.CharField(label=gettext_lazy("Title"), max_length=200)
    description = _text(gettext_lazy("Description"))
    status = forms.ChoiceField(label=gettext_lazy("Status"), choices=ProblemStatus.choices)
    root_cause = _text(gettext_lazy("Root cause"))
    workaround = _text(gettext_lazy("Workaround"))
    tickets = forms.CharField(
        label=gettext_lazy("Incidents (ticket numbers, e.g. SP-000123)"), required=False
    )
    changes = forms.CharField(
        label=gettext_lazy("Fixing changes (change numbers, e.g. CH-000045)"), required=False
    )

    def clean_tickets(self) -> list[Ticket]:
        numbers = [n for n in NUMBERS.split(self.cleaned_data["tickets"].upper()) if n]
        found = list(Ticket.objects.filter(number__in=numbers))
        missing = sorted(set(numbers) - {t.number for t in found})
        if missing:
            raise forms.ValidationError(
                _("No such tickets: %(numbers)s") % {"numbers": ", ".join(missing)}
            )
        return found

    def clean_changes(self) -> list[Change]:
        numbers = [n for n in NUMBERS.split(self.cleaned_data["changes"].upper()) if n]
        ids = {n: int(n[3:]) for n in numbers if re.fullmatch(r"CH-\d{1,12}", n)}
        found = list(Change.objects.filter(pk__in=ids.values()))
        missing = sorted(n for n in numbers if n not in ids or ids[n] not in {c.pk for c in found})
        if missing:
            raise forms.ValidationError(
                _("No such changes: %(numbers)s") % {"numbers": ", ".join(missing)}
            )
        return found


class ProblemEditForm(ProblemForm):
    """A problem's fields; its customer stays."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        del self.fields["customer"]


@require_http_methods(["GET", "POST"])
@staff_required
def problem_list(request: HttpRequest) -> HttpResponse:
    form = ProblemForm(request.POST or None, initial={"status": ProblemStatus.OPEN})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            problem = record_problem(actor=actor_of(request), **data)
        except DomainValidationError as exc:
            _errors_onto(form, exc)
        else:
            messages.success(request, _("The problem is recorded."))
            return redirect("desk:problem", pk=problem.pk)
    status = request.GET.get("status", "")
    qs = problems_for(request.user).order_by("-created_at", "-pk")
    if status in ProblemStatus.values:
        qs = qs.filter(status=status)
    page = paginate_page(qs, page=request.GET.get("page"), per_page=50)
    return render(
        request,
        "desk/problems.html",
        {"form": form, "page": page, "statuses": ProblemStatus.choices, "status": status},
        status=422 if request.method == "POST" else 200,
    )


@require_http_methods(["GET", "POST"])
@staff_required
def problem_detail(request: HttpRequest, pk: int) -> HttpResponse:
    problem: Problem = get_object_or_404(problems_for(request.user), pk=pk)
    initial = {
        "title": problem.title,
        "description": problem.description,
        "status": problem.status,
        "root_cause": problem.root_cause,
        "workaround": problem.workaround,
        "tickets": " ".join(t.number or "" for t in problem.tickets.all()),
        "changes": " ".join(c.number for c in problem.changes.all()),
    }
    form = ProblemEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            update_problem(problem=problem, actor=actor_of(request), **form.cleaned_data)
        except DomainValidationError as exc:
            _errors_onto(form, exc)
        else:
            messages.success(request, _("The problem is saved."))
            return redirect("desk:problem", pk=problem.pk)
    return render(
        request,
        "desk/problem.html",
        {"problem": problem, "form": form},
        status=422 if request.method == "POST" else 200,
    )
