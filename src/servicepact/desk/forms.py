"""Forms of the desk: the queue filters and one small form per ticket action.

Action forms only parse input; the rules (a pause needs a reason, a solution must not be empty
...) live in ``tickets.services`` and come back as ``DomainValidationError``, which the view
attaches to the field it names. So most fields are ``required=False`` here but carry the HTML
``required`` attribute: the browser helps, the service decides.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from servicepact.accounts.models import Team
from servicepact.assets.models import Asset
from servicepact.contracts.terms import priority_label
from servicepact.core.widgets import (
    CheckboxInput,
    ExactSelect,
    NumberInput,
    QuickSelect,
)
from servicepact.customers.models import Contact, Customer
from servicepact.tickets.choices import (
    OPEN_STATUSES,
    REASON_MAX_CHARS,
    SUBJECT_MAX_CHARS,
    TEXT_MAX_CHARS,
    Category,
    Channel,
    TicketKind,
)

PRIORITY_CHOICES = [(1, "P1"), (2, "P2"), (3, "P3"), (4, "P4")]


def _text(
    label: Any,
    *,
    rows: int = 2,
    required_html: bool = True,
    limit: int = TEXT_MAX_CHARS,
    **kw: Any,
) -> forms.CharField:
    # ``maxlength`` stops the browser at the limit; the service checks it (a field error).
    attrs: dict[str, Any] = {"rows": rows, "maxlength": str(limit)}
    if required_html:
        attrs["required"] = "required"
    return forms.CharField(label=label, required=False, widget=forms.Textarea(attrs=attrs), **kw)


class _Names(forms.models.ModelChoiceIterator):  # type: ignore[type-arg]
    """A model's options as (id, name) pairs read with ``values_list``: the options the model
    instances give when ``str()`` of one is its name (``Customer``), without an instance each."""

    def __iter__(self) -> Any:
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        yield from self.queryset.values_list("pk", "name")


class NameChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    iterator = _Names


class QueueFilterForm(forms.Form):
    customer = NameChoiceField(
        label=_("Customer"),
        queryset=Customer.objects.order_by("name").only("pk", "name"),
        required=False,
        empty_label=_("All customers"),
        widget=QuickSelect,  # every customer is an option: rendered without a template each
    )
    priority = forms.TypedChoiceField(
        label=_("Priority"),
        choices=[("", _("All priorities")), *PRIORITY_CHOICES],
        coerce=int,
        empty_value=None,
        required=False,
        widget=ExactSelect,  # Django's markup without its templates
    )
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[("", _("All open")), *[(s.value, s.label) for s in OPEN_STATUSES]],
        required=False,
        widget=ExactSelect,
    )
    within = forms.IntegerField(
        label=_("Breaching within (hours)"),
        min_value=1,
        max_value=24 * 31,
        required=False,
        widget=NumberInput(attrs={"placeholder": _("any"), "inputmode": "numeric"}),
    )
    mine = forms.BooleanField(label=_("Assigned to me"), required=False, widget=CheckboxInput)

    def values(self) -> dict[str, Any]:
        """The valid filters only: a bad value in one field does not empty the queue."""
        self.is_valid()
        return {k: v for k, v in getattr(self, "cleaned_data", {}).items() if k not in self.errors}


class EmptyForm(forms.Form):
    """Actions that need nothing but the click (acknowledge, resume, close …)."""


class AssignForm(forms.Form):
    assignee = forms.ModelChoiceField(
        label=_("Assignee"),
        queryset=get_user_model().objects.none(),
        required=False,
        empty_label=_("Nobody"),
    )
    team = forms.ModelChoiceField(
        label=_("Team"), queryset=Team.objects.order_by("name"), required=False, empty_label="—"
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = (  # type: ignore[attr-defined]
            get_user_model().objects.filter(is_staff=True, is_active=True).order_by("username")
        )
        self.fields["assignee"].label_from_instance = (  # type: ignore[attr-defined]
            lambda u: u.get_full_name() or u.get_username()
        )


class PauseForm(forms.Form):
    reason = _text(_("What are you waiting for from the customer?"), limit=REASON_MAX_CHARS)


class OnsiteForm(forms.Form):
    engineer = forms.CharField(label=_("Engineer"), required=False, max_length=200)
    at = forms.DateTimeField(
        label=_("Arrived at"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"],
        help_text=_("Leave empty for now. Your time zone."),
    )


class ConfirmFaultForm(forms.Form):
    note = _text(_("What is confirmed"), required_html=False)


class DispatchForm(forms.Form):
    engineer = forms.CharField(label=_("Engineer"), required=False, max_length=200)


class EscalateForm(forms.Form):
    reason = _text(
        _("Why does it need the next support level?"),
        limit=REASON_MAX_CHARS,
        required_html=False,
    )


class RestoreForm(forms.Form):
    note = _text(_("Workaround applied"), required_html=False)


class ProposeForm(forms.Form):
    solution = _text(_("Proposed solution"), rows=3)


class ResolveForm(forms.Form):
    resolution = _text(_("Resolution"), rows=3, required_html=False)


class PriorityForm(forms.Form):
    priority = forms.TypedChoiceField(label=_("New priority"), choices=PRIORITY_CHOICES, coerce=int)
    reason = _text(_("Why does the priority change?"))

    def __init__(self, *args: Any, names: dict[int, str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if names:
            self.fields["priority"].choices = [  # type: ignore[attr-defined]
                (p, priority_label(p, names[p])) for p, _label in PRIORITY_CHOICES
            ]


class ReopenForm(forms.Form):
    reason = _text(_("Why is the ticket reopened?"))


class CommentForm(forms.Form):
    body = _text(_("Comment"), rows=3)
    internal = forms.BooleanField(
        label=_("Internal note (never shown to the customer)"), required=False
    )
    file = forms.FileField(label=_("Attach a file"), required=False)


class AssignAlertForm(forms.Form):
    """Triage: the asset an unmatched alert is about (the service checks the customer)."""

    asset: forms.ModelChoiceField[Asset] = forms.ModelChoiceField(
        label=_("Asset"), queryset=None, empty_label=_("Choose a host")
    )

    def __init__(self, *args: Any, assets: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["asset"]
        field.queryset = assets  # type: ignore[attr-defined]
        field.label_from_instance = (  # type: ignore[attr-defined]
            lambda a: f"{a.hostname} ({a.customer.name})"
        )


# ---------------------------------------------------------------- a ticket opened by staff

# Channels a person reports through to the desk (the API and monitoring open their own).
DESK_CHANNELS = [
    (c.value, c.label)
    for c in (Channel.PHONE, Channel.EMAIL, Channel.CHAT, Channel.ON_SITE, Channel.PORTAL)
]
LEVELS = [(1, _("1 (highest)")), (2, "2"), (3, "3"), (4, _("4 (lowest)"))]


class NewTicketForm(forms.Form):
    """A ticket the agent takes down (phone, chat, e-mail, on site). Contacts and assets are
    those of the chosen customer; ``asset_q`` narrows the asset list (hostname, serial, model).
    The service checks the rest (the asset and contact belong to the customer, the limits)."""

    customer = forms.ModelChoiceField(
        label=_("Customer"), queryset=Customer.objects.none(), empty_label=_("Choose a customer")
    )
    contact = forms.ModelChoiceField(
        label=_("Contact"), queryset=Contact.objects.none(), required=False, empty_label="—"
    )
    asset_q = forms.CharField(
        label=_("Find an asset"),
        required=False,
        max_length=100,
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": _("hostname, serial or model")}
        ),
    )
    asset = forms.ModelChoiceField(
        label=_("Asset"), queryset=Asset.objects.none(), required=False, empty_label="—"
    )
    channel = forms.ChoiceField(label=_("Channel"), choices=DESK_CHANNELS, initial=Channel.PHONE)
    category = forms.ChoiceField(
        label=_("Category"), choices=Category.choices, initial=Category.HARDWARE
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=TicketKind.choices)
    impact = forms.TypedChoiceField(label=_("Impact"), choices=LEVELS, coerce=int, initial=3)
    urgency = forms.TypedChoiceField(label=_("Urgency"), choices=LEVELS, coerce=int, initial=3)
    subject = forms.CharField(
        label=_("Subject"),
        max_length=SUBJECT_MAX_CHARS,
        required=False,
        widget=forms.TextInput(attrs={"required": "required"}),
    )
    description = forms.CharField(
        label=_("Description"),
        max_length=TEXT_MAX_CHARS,
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
    )

    def __init__(self, *args: Any, customer: Customer | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fields = self.fields
        fields["customer"].queryset = Customer.objects.filter(is_active=True).order_by("name")  # type: ignore[attr-defined]
        if customer is not None:
            fields["contact"].queryset = customer.contacts.order_by("name")  # type: ignore[attr-defined]
            fields["contact"].label_from_instance = _contact_label  # type: ignore[attr-defined]
            assets = customer.assets.order_by("hostname")
            fields["asset"].queryset = assets  # type: ignore[attr-defined]
            fields["asset"].label_from_instance = _asset_label  # type: ignore[attr-defined]

    def search_assets(self, query: str, *, chosen: str = "") -> None:
        """Narrows the asset choices to those matching ``query`` (and keeps the chosen one)."""
        field = self.fields["asset"]
        query = query.strip()
        if query:
            match = (
                Q(hostname__icontains=query)
                | Q(serial_number__icontains=query)
                | Q(model__icontains=query)
            )
            if chosen.isdigit():
                match |= Q(pk=int(chosen))
            field.queryset = field.queryset.filter(match)  # type: ignore[attr-defined]


def _contact_label(contact: Contact) -> str:
    return f"{contact.name} ({contact.local_timezone})"


def _asset_label(asset: Asset) -> str:
    serial = f" · {asset.serial_number}" if asset.serial_number else ""
    return f"{asset.hostname}{serial}"
