"""The ticket page's work-log form and list (the view is desk/worklogs.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Sum
from django.utils.translation import gettext_lazy

from servicepact.accounts.choices import BillingRole
from servicepact.billing.choices import WorkType
from servicepact.billing.models import WorkLog
from servicepact.billing.services import billing_role_of
from servicepact.core.time import local_date, now, zone
from servicepact.tickets.models import Ticket


class WorkLogForm(forms.Form):
    user = forms.ModelChoiceField(
        label=gettext_lazy("Who"), queryset=get_user_model().objects.none()
    )
    date = forms.DateField(
        label=gettext_lazy("Day"), widget=forms.DateInput(attrs={"type": "date"})
    )
    start = forms.TimeField(
        label=gettext_lazy("Start (the ticket's local time; empty: counted as in hours)"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}),
    )
    minutes = forms.IntegerField(
        label=gettext_lazy("Duration (minutes)"),
        widget=forms.NumberInput(attrs={"min": "1", "max": "1440", "inputmode": "numeric"}),
    )
    work_type = forms.ChoiceField(label=gettext_lazy("Work type"), choices=WorkType.choices)
    role = forms.ChoiceField(
        label=gettext_lazy("Role (priced at its rate; empty: the work type's rate)"),
        choices=[("", "—"), *BillingRole.choices],
        required=False,
    )
    category = forms.SlugField(
        label=gettext_lazy("Category of work (the contract's scope)"), required=False, max_length=40
    )
    billable = forms.BooleanField(label=gettext_lazy("Billable"), required=False, initial=True)
    note = forms.CharField(
        label=gettext_lazy("Note"), required=False, max_length=300, widget=forms.TextInput()
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["user"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = (
            get_user_model().objects.filter(is_staff=True, is_active=True).order_by("username")
        )


class WorkLogEditForm(WorkLogForm):
    """The same fields, with the reason the audit record keeps."""

    reason = forms.CharField(
        label=gettext_lazy("Why the change (kept in the audit record)"),
        required=False,
        max_length=300,
        widget=forms.TextInput(),
    )


def worklog_edit_form(log: WorkLog, data: Any = None) -> WorkLogEditForm:
    """The edit form of a log, filled with its values (start in the ticket's zone)."""
    start = None
    if log.started_at is not None:
        start = log.started_at.astimezone(zone(log.ticket.timezone)).time()
    initial = {
        "user": log.user_id,
        "date": log.date,
        "start": start,
        "minutes": log.minutes,
        "work_type": log.work_type,
        "role": log.role,
        "category": log.category,
        "billable": log.billable,
        "note": log.note,
    }
    return WorkLogEditForm(data, prefix="edit", initial=initial)


def worklog_form(ticket: Ticket, user: Any) -> WorkLogForm:
    today = local_date(now(), ticket.timezone)
    initial = {"user": user.pk, "date": today, "billable": True, "role": billing_role_of(user)}
    return WorkLogForm(prefix="work", initial=initial)


def worklog_context(ticket: Ticket, user: Any, form: WorkLogForm | None = None) -> dict[str, Any]:
    logs = ticket.work_logs.select_related("user").order_by("-date", "-id")
    return {
        "worklog_form": form or worklog_form(ticket, user),
        "worklogs": logs[:50],
        "worklog_minutes": logs.aggregate(total=Sum("minutes"))["total"] or 0,
    }


def started_at(ticket: Ticket, data: dict[str, Any]) -> datetime | None:
    """The start as an aware instant in the ticket's zone, or None without a start time."""
    if data.get("start") is None:
        return None
    return datetime.combine(data["date"], data["start"], tzinfo=zone(ticket.timezone))
