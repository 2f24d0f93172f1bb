"""Desk pages for changes (maintenance windows): request one, read one.

Thin: the form only parses (a window typed in the customer's local time becomes aware in the
customer's zone); ``changes.services.request_change`` validates, exactly as for the API, and
its field errors are shown on the form.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from servicepact.accounts.actors import actor_of
from servicepact.accounts.selectors import staff_timezone
from servicepact.assets.models import Asset
from servicepact.changes import services
from servicepact.changes.choices import ChangeStatus
from servicepact.changes.models import Change
from servicepact.changes.selectors import get_change
from servicepact.core.errors import DomainValidationError, TransitionError
from servicepact.core.time import zone
from servicepact.customers.models import Customer
from servicepact.desk.access import staff_required

LOCAL_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]
LOCAL_WIDGET = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class LocalDateTimeField(forms.DateTimeField):
    """A wall-clock time without a zone: the form attaches the customer's zone afterwards."""

    def to_python(self, value: Any) -> datetime | None:
        if value in self.empty_values:
            return None
        for fmt in LOCAL_FORMATS:
            try:
                return datetime.strptime(str(value).strip(), fmt)  # noqa: DTZ007 (zone added in clean)
            except ValueError:
                continue
        raise forms.ValidationError(_("Enter a date and time like 2025-06-10 22:00."))


class ChangeForm(forms.Form):
    customer = forms.ModelChoiceField(
        label=gettext_lazy("Customer"), queryset=Customer.objects.order_by("name")
    )
    title = forms.CharField(label=gettext_lazy("Title"), max_length=200)
    description = forms.CharField(
        label=gettext_lazy("Description"), required=False, max_length=5000, widget=forms.Textarea
    )
    assets = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Affected assets"),
        queryset=Asset.objects.select_related("customer").order_by("customer__name", "hostname"),
        help_text=gettext_lazy("All of one customer's. Hold Ctrl or Cmd to choose several."),
    )
    planned_start = LocalDateTimeField(
        label=gettext_lazy("Window starts"),
        widget=LOCAL_WIDGET,
        help_text=gettext_lazy("In the customer's time zone."),
    )
    planned_end = LocalDateTimeField(
        label=gettext_lazy("Window ends"),
        widget=LOCAL_WIDGET,
        help_text=gettext_lazy("In the customer's time zone."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assets"].label_from_instance = (  # type: ignore[attr-defined]
            lambda a: (
                f"{a.customer.name} · {a.hostname}"
                + (f" ({a.serial_number})" if a.serial_number else "")
            )
        )

    def local_window(self) -> tuple[datetime, datetime]:
        """The window as aware instants in the chosen customer's zone."""
        tz = zone(self.cleaned_data["customer"].timezone)
        start, end = self.cleaned_data["planned_start"], self.cleaned_data["planned_end"]
        return start.replace(tzinfo=tz), end.replace(tzinfo=tz)


@require_http_methods(["GET", "POST"])
@staff_required
def change_new(request: HttpRequest) -> HttpResponse:
    form = ChangeForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            start, end = form.local_window()
            try:
                change = services.request_change(
                    customer=form.cleaned_data["customer"],
                    title=form.cleaned_data["title"],
                    description=form.cleaned_data["description"],
                    assets=form.cleaned_data["assets"],
                    planned_start=start,
                    planned_end=end,
                    actor=actor_of(request),
                )
            except DomainValidationError as exc:
                for field, problems in exc.errors.items():
                    target = field if field in form.fields else None
                    for problem in problems:
                        form.add_error(target, problem)
            else:
                messages.success(
                    request,
                    _("Change %(number)s is requested; the customer approves it in the portal.")
                    % {"number": change.number},
                )
                return redirect("desk:change", pk=change.pk)
    return render(request, "desk/change_new.html", {"form": form}, status=status)


def _timeline(change: Change) -> list[dict[str, Any]]:
    """What happened to the change, oldest first (the change's own dated fields)."""
    steps = [
        (change.requested_at, _("Requested"), change.requested_by, ""),
        (change.approved_at, _("Approved"), change.approved_by, ""),
        (change.rejected_at, _("Rejected"), change.rejected_by, change.rejection_reason),
        (change.completed_at, _("Done"), None, ""),
    ]
    return [
        {"at": at, "what": what, "who": who.get_username() if who else "", "note": note}
        for at, what, who, note in steps
        if at is not None
    ]


@staff_required
def change_detail(request: HttpRequest, pk: int) -> HttpResponse:
    change = get_change(request.user, pk)
    return render(
        request,
        "desk/change.html",
        {
            "change": change,
            "assets": change.assets.all(),
            "timeline": _timeline(change),
            "tz": change.customer.timezone,
            "agent_tz": staff_timezone(request.user),
            "can_complete": change.status == ChangeStatus.APPROVED,
            "can_withdraw": change.status == ChangeStatus.REQUESTED,
        },
    )


CHANGE_ACTIONS = {"complete": services.complete_change, "withdraw": services.reject_change}


@require_POST
@staff_required
def change_action(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    """Mark an approved change done, or withdraw a requested one (the services decide)."""
    change = get_change(request.user, pk)
    action = CHANGE_ACTIONS.get(name)
    if action is None:
        return redirect("desk:change", pk=pk)
    kwargs = {"reason": request.POST.get("reason", "")} if name == "withdraw" else {}
    try:
        action(change=change, actor=actor_of(request), **kwargs)
    except (TransitionError, PermissionDenied) as exc:
        messages.error(request, getattr(exc, "message", str(exc)))
    else:
        messages.success(request, _("Change %(number)s is updated.") % {"number": change.number})
    return redirect("desk:change", pk=pk)
