"""Warranties in the desk: add an entitlement and extend one from the asset page, and the
list of warranties expiring soon. Forms parse, ``assets.services`` writes; a refusal
re-renders the asset page with the form and its field errors (422)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from servicepact.assets.models import Asset
from servicepact.assets.selectors import expiring_warranties
from servicepact.assets.services import create_warranty, extend_warranty
from servicepact.assets.warranty_alerts import alert_days
from servicepact.core.errors import DomainValidationError
from servicepact.core.pagination import paginate_page
from servicepact.core.time import local_date, now
from servicepact.desk.access import staff_required
from servicepact.desk.views import agent_timezone, asset_for_page, asset_page
from servicepact.desk.warranty_forms import ExtensionForm, WarrantyForm


def _write(form: forms.Form, call: Any) -> bool:
    """Calls the service with the cleaned form; field errors go back onto the form."""
    if not form.is_valid():
        return False
    try:
        call(form.cleaned_data)
    except DomainValidationError as exc:
        for field, problems in exc.errors.items():
            form.add_error(field if field in form.fields else None, problems)
        return False
    except PermissionDenied as exc:
        form.add_error(None, str(exc))
        return False
    return True


def _refused(request: HttpRequest, asset: Asset, name: str, form: forms.Form) -> HttpResponse:
    return asset_page(request, asset, warranty_bound=(name, form), status=422)


@require_POST
@staff_required
def asset_warranty_add(request: HttpRequest, pk: int) -> HttpResponse:
    asset = asset_for_page(pk)
    form = WarrantyForm(request.POST, prefix="warranty")
    if not _write(form, lambda data: create_warranty(asset=asset, **data)):
        return _refused(request, asset, "warranty_form", form)
    messages.success(request, _("Warranty added."))
    return redirect("desk:asset", pk=asset.pk)


@require_POST
@staff_required
def asset_warranty_extend(request: HttpRequest, pk: int) -> HttpResponse:
    asset = asset_for_page(pk)
    form = ExtensionForm(request.POST, prefix="extend", asset=asset)
    if not _write(form, lambda data: extend_warranty(**data)):
        return _refused(request, asset, "extension_form", form)
    messages.success(request, _("Warranty extended."))
    return redirect("desk:asset", pk=asset.pk)


@require_GET
@staff_required
def warranty_list(request: HttpRequest) -> HttpResponse:
    """Warranties ending within ``?days=`` (default: the largest alert distance) that no
    extension supersedes, soonest first."""
    default = max(alert_days(), default=90)
    try:
        days = max(1, min(int(request.GET.get("days", default)), 3650))
    except ValueError:
        days = default
    today = local_date(now(), agent_timezone(request.user))
    rows = expiring_warranties(request.user, today=today, within_days=days)
    page = paginate_page(rows, page=request.GET.get("page"), per_page=50)
    context = {"page": page, "days": days, "days_text": str(days), "today": today}
    return render(request, "desk/warranties.html", context)
