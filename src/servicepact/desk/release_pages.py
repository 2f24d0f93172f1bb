"""Desk pages around changes: the change calendar, standard change templates, releases,
an asset's configuration record (as of a date) and a contract's blackout periods.

Thin: forms parse, the services (changes.*, assets.configuration, contracts.blackouts)
validate and write; their field errors are shown on the form.
"""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from servicepact.accounts.actors import actor_of
from servicepact.accounts.selectors import staff_timezone
from servicepact.assets.configuration import configuration_history, software_at
from servicepact.assets.models import Asset
from servicepact.changes import services as change_services
from servicepact.changes.calendar import calendar_view, parse_anchor
from servicepact.changes.choices import Level
from servicepact.changes.models import PLAN_MAX_CHARS, ChangeTemplate
from servicepact.changes.releases import (
    cancel_release,
    edit_release,
    get_release,
    plan_release,
    releases_for,
    ship_release,
)
from servicepact.changes.selectors import changes_for
from servicepact.contracts.blackouts import add_blackout
from servicepact.contracts.models import Contract
from servicepact.core.errors import DomainValidationError, TransitionError
from servicepact.core.pagination import paginate_page
from servicepact.core.time import now, zone
from servicepact.desk.access import staff_required
from servicepact.desk.change_pages import LOCAL_WIDGET, LocalDateTimeField


def _errors_onto(form: forms.Form, exc: DomainValidationError) -> None:
    for field, problems in exc.errors.items():
        name = field.split(".")[0].split("[")[0]
        for problem in problems:
            form.add_error(name if name in form.fields else None, problem)


@require_GET
@staff_required
def change_calendar(request: HttpRequest) -> HttpResponse:
    tz = staff_timezone(request.user)
    anchor = parse_anchor(request.GET.get("date"), now().astimezone(zone(tz)).date())
    view = calendar_view(
        changes_for(request.user), mode=request.GET.get("mode", "month"), anchor=anchor, tz=tz
    )
    return render(
        request,
        "desk/change_calendar.html",
        {
            "view": view,
            "anchor": anchor,
            "tz": tz,
            "link": "desk:change",
            "base": reverse("desk:change-calendar"),
        },
    )


class TemplateForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Title"), max_length=200)
    description = forms.CharField(
        label=gettext_lazy("Description"),
        required=False,
        max_length=PLAN_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    impact = forms.TypedChoiceField(label=gettext_lazy("Impact"), choices=Level.choices, coerce=int)
    likelihood = forms.TypedChoiceField(
        label=gettext_lazy("Likelihood"), choices=Level.choices, coerce=int
    )
    implementation_plan = forms.CharField(
        label=gettext_lazy("Implementation plan"),
        required=False,
        max_length=PLAN_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    test_plan = forms.CharField(
        label=gettext_lazy("Test plan"),
        required=False,
        max_length=PLAN_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    rollback_plan = forms.CharField(
        label=gettext_lazy("Rollback plan"),
        required=False,
        max_length=PLAN_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class TemplateEditForm(TemplateForm):
    active = forms.BooleanField(
        label=gettext_lazy("Active (offered for new changes)"), required=False
    )


@require_http_methods(["GET", "POST"])
@staff_required
def change_template_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Changes a standard change template; changes made from it keep their own plans."""
    template = get_object_or_404(ChangeTemplate, pk=pk)
    initial = {name: getattr(template, name) for name in change_services.TEMPLATE_FIELDS}
    form = TemplateEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            change_services.edit_template(
                template=template, actor=actor_of(request), **form.cleaned_data
            )
        except DomainValidationError as exc:
            _errors_onto(form, exc)
        else:
            messages.success(request, _("The standard change template is saved."))
            return redirect("desk:change-templates")
    return render(
        request,
        "desk/edit_form.html",
        {"form": form, "title": template.title, "back": reverse("desk:change-templates")},
        status=422 if request.method == "POST" else 200,
    )


@require_http_methods(["GET", "POST"])
@staff_required
def change_templates(request: HttpRequest) -> HttpResponse:
    form = TemplateForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                change_services.create_template(**form.cleaned_data, actor=actor_of(request))
            except DomainValidationError as exc:
                _errors_onto(form, exc)
            else:
                messages.success(request, _("The standard change template is saved."))
                return redirect("desk:change-templates")
    templates = ChangeTemplate.objects.order_by("title", "id")[:200]
    return render(
        request,
        "desk/change_templates.html",
        {"form": form, "templates": templates},
        status=status,
    )


class ReleaseForm(forms.Form):
    contract = forms.ModelChoiceField(
        label=gettext_lazy("Contract"), queryset=Contract.objects.order_by("number")
    )
    version = forms.CharField(label=gettext_lazy("Version"), max_length=80)
    planned_on = forms.DateField(
        label=gettext_lazy("Planned date"), widget=forms.DateInput(attrs={"type": "date"})
    )
    notes_en = forms.CharField(
        label=gettext_lazy("Release notes (English)"),
        required=False,
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    notes_zh = forms.CharField(
        label=gettext_lazy("Release notes (Chinese)"),
        required=False,
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    assets = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Affected assets"),
        queryset=Asset.objects.select_related("customer").order_by("customer__name", "hostname"),
        required=False,
    )


@require_http_methods(["GET", "POST"])
@staff_required
def release_list(request: HttpRequest) -> HttpResponse:
    form = ReleaseForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            data = form.cleaned_data
            try:
                release = plan_release(
                    contract=data["contract"],
                    version=data["version"],
                    planned_on=data["planned_on"],
                    notes={"en": data["notes_en"], "zh-hans": data["notes_zh"]},
                    assets=data["assets"],
                    actor=actor_of(request),
                )
            except DomainValidationError as exc:
                _errors_onto(form, exc)
            else:
                messages.success(
                    request, _("Release %(version)s is planned.") % {"version": release.version}
                )
                return redirect("desk:releases")
    page = paginate_page(
        releases_for(request.user).order_by("-planned_on", "-id"),
        page=request.GET.get("page"),
        per_page=50,
    )
    return render(
        request,
        "desk/releases.html",
        {"form": form, "page": page, "agent_tz": staff_timezone(request.user)},
        status=status,
    )


class ReleaseEditForm(ReleaseForm):
    """The plan's fields; the contract stays."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        del self.fields["contract"]


@require_http_methods(["GET", "POST"])
@staff_required
def release_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Changes a planned release (a shipped or cancelled one: 409)."""
    release = get_release(request.user, pk)
    initial = {
        "version": release.version,
        "planned_on": release.planned_on,
        "notes_en": release.notes.get("en", ""),
        "notes_zh": release.notes.get("zh-hans", ""),
        "assets": list(release.assets.all()),
    }
    form = ReleaseEditForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            data = form.cleaned_data
            try:
                edit_release(
                    release=release,
                    actor=actor_of(request),
                    version=data["version"],
                    planned_on=data["planned_on"],
                    notes={"en": data["notes_en"], "zh-hans": data["notes_zh"]},
                    assets=data["assets"],
                )
            except DomainValidationError as exc:
                _errors_onto(form, exc)
            except TransitionError as exc:
                messages.error(request, exc.message)
                return redirect("desk:releases")
            else:
                messages.success(request, _("The release is saved."))
                return redirect("desk:releases")
    return render(
        request,
        "desk/edit_form.html",
        {"form": form, "title": release.version, "back": reverse("desk:releases")},
        status=status,
    )


def _release_step(request: HttpRequest, pk: int, service: Any, done: str) -> HttpResponse:
    """Ship or cancel (the service decides: 403, 409 as a message); back to the list."""
    release = get_release(request.user, pk)
    try:
        service(release=release, actor=actor_of(request))
    except (TransitionError, PermissionDenied) as exc:
        messages.error(request, getattr(exc, "message", str(exc)))
    else:
        messages.success(request, done % {"version": release.version})
    return redirect("desk:releases")


@require_POST
@staff_required
def release_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    return _release_step(request, pk, cancel_release, _("Release %(version)s is cancelled."))


@require_POST
@staff_required
def release_ship(request: HttpRequest, pk: int) -> HttpResponse:
    return _release_step(
        request,
        pk,
        ship_release,
        _("Release %(version)s is shipped; the customer's contacts get its notes by e-mail."),
    )


@require_GET
@staff_required
def asset_configuration(request: HttpRequest, pk: int) -> HttpResponse:
    """What ran on the asset on a date (``?date=``, end of that day in the customer's zone)."""
    asset = get_object_or_404(Asset.objects.select_related("customer"), pk=pk)
    tz = asset.customer.timezone
    day = parse_anchor(request.GET.get("date"), now().astimezone(zone(tz)).date())
    moment = datetime.combine(day, time(23, 59, 59), tzinfo=zone(tz))
    return render(
        request,
        "desk/asset_configuration.html",
        {
            "asset": asset,
            "day": day,
            "tz": tz,
            "components": software_at([asset.pk], moment).get(asset.pk, []),
            "history": configuration_history(asset),
        },
    )


class BlackoutForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=120)
    starts_at = LocalDateTimeField(
        label=gettext_lazy("Starts"),
        widget=LOCAL_WIDGET,
        help_text=gettext_lazy("In the customer's time zone."),
    )
    ends_at = LocalDateTimeField(
        label=gettext_lazy("Ends"),
        widget=LOCAL_WIDGET,
        help_text=gettext_lazy("In the customer's time zone."),
    )
    reason = forms.CharField(label=gettext_lazy("Reason"), required=False, max_length=2000)


@require_http_methods(["GET", "POST"])
@staff_required
def contract_blackouts(request: HttpRequest, pk: int) -> HttpResponse:
    contract = get_object_or_404(Contract.objects.select_related("customer"), pk=pk)
    tz = zone(contract.customer.timezone)
    form = BlackoutForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            data: dict[str, Any] = form.cleaned_data
            try:
                add_blackout(
                    contract=contract,
                    name=data["name"],
                    starts_at=data["starts_at"].replace(tzinfo=tz),
                    ends_at=data["ends_at"].replace(tzinfo=tz),
                    reason=data["reason"],
                    actor=actor_of(request),
                )
            except DomainValidationError as exc:
                _errors_onto(form, exc)
            else:
                messages.success(request, _("The blackout period is saved."))
                return redirect("desk:contract-blackouts", pk=pk)
    return render(
        request,
        "desk/contract_blackouts.html",
        {
            "contract": contract,
            "form": form,
            "blackouts": contract.blackouts.order_by("-starts_at")[:200],
            "tz": contract.customer.timezone,
        },
        status=status,
    )
