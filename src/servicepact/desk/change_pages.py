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
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from servicepact.accounts.actors import actor_of
from servicepact.accounts.selectors import staff_timezone
from servicepact.assets.choices import ComponentKind
from servicepact.assets.models import Asset
from servicepact.changes import services
from servicepact.changes.choices import (
    EXECUTION,
    EXECUTION_LABELS,
    CabRule,
    ChangeKind,
    ChangeStatus,
    Level,
    Vote,
    execution_allowed,
)
from servicepact.changes.conflicts import conflicts_for
from servicepact.changes.models import PLAN_MAX_CHARS, Change, ChangeTemplate
from servicepact.changes.selectors import get_change
from servicepact.core.errors import DomainValidationError, TransitionError
from servicepact.core.time import zone
from servicepact.customers.models import Customer
from servicepact.desk.access import staff_required
from servicepact.tickets.models import Ticket

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

    # Optional with defaults: a form without them requests a normal, low-risk change.
    kind = forms.ChoiceField(
        label=gettext_lazy("Type"),
        choices=ChangeKind.choices,
        initial=ChangeKind.NORMAL,
        required=False,
    )
    template = forms.ModelChoiceField(
        label=gettext_lazy("Standard change template"),
        queryset=ChangeTemplate.objects.filter(active=True),
        required=False,
        help_text=gettext_lazy("Required for a standard change."),
    )
    impact = forms.TypedChoiceField(
        label=gettext_lazy("Impact"),
        choices=Level.choices,
        coerce=int,
        initial=Level.LOW,
        required=False,
        empty_value=None,
    )
    likelihood = forms.TypedChoiceField(
        label=gettext_lazy("Likelihood"),
        choices=Level.choices,
        coerce=int,
        initial=Level.LOW,
        required=False,
        empty_value=None,
    )
    impact_description = forms.CharField(
        label=gettext_lazy("Impact description"),
        required=False,
        max_length=PLAN_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    affected_services = forms.CharField(
        label=gettext_lazy("Affected services"),
        required=False,
        max_length=PLAN_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 2}),
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
    approvers = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Change advisory board"),
        queryset=get_user_model()
        .objects.filter(is_staff=True, is_active=True)
        .order_by("username"),
        required=False,
        help_text=gettext_lazy("Named approvers; none: the customer alone approves."),
    )
    cab_rule = forms.ChoiceField(
        label=gettext_lazy("Board rule"),
        choices=CabRule.choices,
        initial=CabRule.ALL,
        required=False,
    )
    cab_quorum = forms.IntegerField(
        label=gettext_lazy("Quorum"), required=False, min_value=1, max_value=100
    )
    related_tickets = forms.CharField(
        label=gettext_lazy("Related tickets"),
        required=False,
        max_length=2000,
        help_text=gettext_lazy("Ticket numbers, separated by commas."),
    )
    configuration = forms.CharField(
        label=gettext_lazy("Configuration updates"),
        required=False,
        max_length=PLAN_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy(
            "One per line: hostname; kind (firmware, bios, os, driver, software); component; "
            "version. Applied when the change is verified."
        ),
    )

    def clean_related_tickets(self) -> list[Ticket]:
        numbers = [n.strip() for n in self.cleaned_data["related_tickets"].split(",") if n.strip()]
        found = {t.number: t for t in Ticket.objects.filter(number__in=numbers)}
        missing = [n for n in numbers if n not in found]
        if missing:
            raise forms.ValidationError(
                _("No such ticket: %(numbers)s") % {"numbers": ", ".join(missing)}
            )
        return [found[n] for n in numbers]

    def clean_configuration(self) -> list[tuple[str, str, str, str]]:
        rows = []
        kinds = ", ".join(ComponentKind.values)
        for number, line in enumerate(self.cleaned_data["configuration"].splitlines(), 1):
            if not line.strip():
                continue
            parts = [p.strip() for p in line.split(";")]
            if len(parts) != 4 or not all(parts):
                raise forms.ValidationError(
                    _("Line %(n)s: write hostname; kind; component; version.") % {"n": number}
                )
            if parts[1] not in ComponentKind.values:
                raise forms.ValidationError(
                    _("Line %(n)s: the kind is one of %(kinds)s.") % {"n": number, "kinds": kinds}
                )
            rows.append((parts[0], parts[1], parts[2], parts[3]))
        return rows

    def details(self) -> services.ChangeDetails:
        data = self.cleaned_data
        hosts = {a.hostname: a.pk for a in data["assets"]}
        updates = []
        for hostname, kind, name, version in data["configuration"]:
            if hostname not in hosts:
                raise DomainValidationError(
                    _("%(host)s is not one of the change's assets") % {"host": hostname},
                    field="configuration",
                )
            updates.append(services.ConfigUpdateIn(hosts[hostname], kind, name, version))
        return services.ChangeDetails(
            kind=data["kind"] or ChangeKind.NORMAL,
            template=data["template"],
            impact=data["impact"] or Level.LOW,
            likelihood=data["likelihood"] or Level.LOW,
            impact_description=data["impact_description"],
            implementation_plan=data["implementation_plan"],
            test_plan=data["test_plan"],
            rollback_plan=data["rollback_plan"],
            affected_services=data["affected_services"],
            approvers=list(data["approvers"]),
            cab_rule=data["cab_rule"] or CabRule.ALL,
            cab_quorum=data["cab_quorum"],
            related_tickets=data["related_tickets"],
            configuration=updates,
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


def _save(request: HttpRequest, form: ChangeForm, change: Change | None) -> Change | None:
    """Calls the service; its field errors go onto the form (None when refused)."""
    start, end = form.local_window()
    try:
        details = form.details()
        if change is None:
            return services.request_change(
                customer=form.cleaned_data["customer"],
                title=form.cleaned_data["title"],
                description=form.cleaned_data["description"],
                assets=form.cleaned_data["assets"],
                planned_start=start,
                planned_end=end,
                details=details,
                actor=actor_of(request),
            )
        return services.edit_change(
            change=change,
            title=form.cleaned_data["title"],
            description=form.cleaned_data["description"],
            assets=form.cleaned_data["assets"],
            planned_start=start,
            planned_end=end,
            details=details,
            actor=actor_of(request),
        )
    except (DomainValidationError, TransitionError) as exc:
        errors = (
            exc.errors if isinstance(exc, DomainValidationError) else {"__all__": [exc.message]}
        )
        for field, problems in errors.items():
            target = field.split("[")[0] if field.split("[")[0] in form.fields else None
            for problem in problems:
                form.add_error(target, problem)
        return None


@require_http_methods(["GET", "POST"])
@staff_required
def change_new(request: HttpRequest) -> HttpResponse:
    form = ChangeForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            change = _save(request, form, None)
            if change is not None:
                messages.success(
                    request,
                    _("Change %(number)s is requested; the customer approves it in the portal.")
                    % {"number": change.number},
                )
                return redirect("desk:change", pk=change.pk)
    return render(request, "desk/change_new.html", {"form": form}, status=status)


def _initial(change: Change) -> dict[str, Any]:
    tz = zone(change.customer.timezone)
    return {
        "customer": change.customer,
        "title": change.title,
        "description": change.description,
        "assets": list(change.assets.all()),
        "planned_start": change.planned_start.astimezone(tz).replace(tzinfo=None),
        "planned_end": change.planned_end.astimezone(tz).replace(tzinfo=None),
        "kind": change.kind,
        "template": change.template,
        "impact": change.impact,
        "likelihood": change.likelihood,
        "impact_description": change.impact_description,
        "affected_services": change.affected_services,
        "implementation_plan": change.implementation_plan,
        "test_plan": change.test_plan,
        "rollback_plan": change.rollback_plan,
        "approvers": [v.approver for v in change.approvals.select_related("approver")],
        "cab_rule": change.cab_rule,
        "cab_quorum": change.cab_quorum,
        "related_tickets": ", ".join(t.number or "" for t in change.related_tickets.all()),
        "configuration": "\n".join(
            f"{u.asset.hostname}; {u.component_kind}; {u.name}; {u.version}"
            for u in change.configuration_updates.select_related("asset")
        ),
    }


@require_http_methods(["GET", "POST"])
@staff_required
def change_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Edit a requested change; its board votes and the customer's approval start again."""
    change = get_change(request.user, pk)
    if change.status != ChangeStatus.REQUESTED:
        messages.error(request, _("Only a requested change can be edited."))
        return redirect("desk:change", pk=pk)
    form = ChangeForm(request.POST or None, initial=_initial(change))
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid() and _save(request, form, change) is not None:
            messages.success(
                request,
                _("Change %(number)s is updated; approvals start again.")
                % {"number": change.number},
            )
            return redirect("desk:change", pk=pk)
    return render(request, "desk/change_new.html", {"form": form, "change": change}, status=status)


@staff_required
def change_detail(request: HttpRequest, pk: int) -> HttpResponse:
    change = get_change(request.user, pk)
    votes = list(change.approvals.select_related("approver"))
    mine = next((v for v in votes if v.approver_id == request.user.pk), None)
    may_vote = (
        mine is not None
        and mine.decision == Vote.PENDING
        and change.cab_decided_at is None
        and change.status not in (ChangeStatus.REJECTED,)
    )
    steps = [
        (name.replace("_", "-"), EXECUTION_LABELS[name])
        for name in EXECUTION
        if execution_allowed(name, change.status, change.kind)
    ]
    return render(
        request,
        "desk/change.html",
        {
            "change": change,
            "assets": change.assets.all(),
            "events": change.events.select_related("actor").order_by("at", "id"),
            "votes": votes,
            "may_vote": may_vote,
            "steps": steps,
            "conflicts": conflicts_for(change),
            "updates": change.configuration_updates.select_related("asset"),
            "tickets": change.related_tickets.all(),
            "tz": change.customer.timezone,
            "agent_tz": staff_timezone(request.user),
            "can_complete": change.status == ChangeStatus.APPROVED,
            "can_withdraw": change.status == ChangeStatus.REQUESTED,
        },
    )


def _withdraw(request: HttpRequest, change: Change) -> Change:
    return services.reject_change(
        change=change, actor=actor_of(request), reason=request.POST.get("reason", "")
    )


def _given_at(request: HttpRequest) -> datetime | None:
    """The optional "given at" of a vote recorded later, in the staff member's zone."""
    try:
        local = LocalDateTimeField(required=False).to_python(request.POST.get("decided_at"))
    except forms.ValidationError as exc:
        raise DomainValidationError({"decided_at": list(exc.messages)}) from exc
    return None if local is None else local.replace(tzinfo=zone(staff_timezone(request.user)))


def _vote(approve: bool) -> Any:
    def vote(request: HttpRequest, change: Change) -> Change:
        return services.vote_on_change(
            change=change,
            actor=actor_of(request),
            approve=approve,
            note=request.POST.get("note", ""),
            decided_at=_given_at(request),
        )

    return vote


def _step(action: str) -> Any:
    def step(request: HttpRequest, change: Change) -> Change:
        return services.execute_change(
            change=change, actor=actor_of(request), action=action, note=request.POST.get("note", "")
        )

    return step


CHANGE_ACTIONS: dict[str, Any] = {
    "complete": lambda request, change: services.complete_change(
        change=change, actor=actor_of(request)
    ),
    "withdraw": _withdraw,
    "board-approve": _vote(True),
    "board-reject": _vote(False),
    **{name.replace("_", "-"): _step(name) for name in EXECUTION},
}


@require_POST
@staff_required
def change_action(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    """Board votes, execution steps, mark done, withdraw (the services decide)."""
    change = get_change(request.user, pk)
    action = CHANGE_ACTIONS.get(name)
    if action is None:
        return redirect("desk:change", pk=pk)
    try:
        action(request, change)
    except (TransitionError, PermissionDenied) as exc:
        messages.error(request, getattr(exc, "message", str(exc)))
    except DomainValidationError as exc:
        messages.error(request, "; ".join(m for ms in exc.errors.values() for m in ms))
    else:
        messages.success(request, _("Change %(number)s is updated.") % {"number": change.number})
    return redirect("desk:change", pk=pk)
