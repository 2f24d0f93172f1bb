"""Forms of the contract and asset pages: force majeure, a manual outage, a renewal.

They only parse; the rules (a reason is required, the end after the start, who may decide)
live in the services and come back as field errors (422), a 403 or a 409.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from servicepact.assets.models import Asset
from servicepact.billing.periods import Period
from servicepact.contracts.models import Contract
from servicepact.core.errors import DomainValidationError
from servicepact.tickets.choices import REASON_MAX_CHARS
from servicepact.tickets.models import Ticket

INSTANT_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]


def instant(label: Any, *, required: bool = False, help_text: Any = "") -> forms.DateTimeField:
    """A local date and time in the agent's zone (the view validates under that zone)."""
    return forms.DateTimeField(
        label=label,
        required=required,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=INSTANT_FORMATS,
        help_text=help_text,
    )


def reason_field(label: Any, *, required_html: bool = True) -> forms.CharField:
    attrs = {"rows": 2, "maxlength": str(REASON_MAX_CHARS)}
    if required_html:
        attrs["required"] = "required"
    return forms.CharField(label=label, required=False, widget=forms.Textarea(attrs=attrs))


def ticket_by_number(contract: Contract | None, number: str, customer_id: int) -> Ticket:
    """A ticket named by its number on this contract (or this customer): else a field error."""
    tickets = Ticket.objects.filter(number=number.strip().upper(), customer_id=customer_id)
    if contract is not None:
        tickets = tickets.filter(contract=contract)
    found = tickets.first()
    if found is None:
        where = contract.number if contract is not None else _("this customer")
        raise forms.ValidationError(
            _("No ticket %(number)s on %(where)s.") % {"number": number, "where": where}
        )
    return found


class ForceMajeureForm(forms.Form):
    """A ticket, a month (the customer's) or a period from/until: no credit for its breaches."""

    reason = reason_field(_("Reason"))
    ticket = forms.CharField(
        label=_("Ticket number"),
        required=False,
        max_length=20,
        help_text=_("Only this ticket's breaches. Or give a month, or a period below."),
    )
    month = forms.CharField(
        label=_("Month"),
        required=False,
        max_length=7,
        widget=forms.TextInput(attrs={"type": "month", "placeholder": "YYYY-MM"}),
        help_text=_("The whole month in the customer's time zone."),
    )
    starts_at = instant(_("From"))
    ends_at = instant(_("Until"))

    def __init__(self, *args: Any, contract: Contract, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.contract = contract

    def clean_ticket(self) -> Ticket | None:
        number = self.cleaned_data.get("ticket", "").strip()
        if not number:
            return None
        return ticket_by_number(self.contract, number, self.contract.customer_id)

    def clean_month(self) -> Period | None:
        text = self.cleaned_data.get("month", "").strip()
        if not text:
            return None
        try:
            return Period.parse(text, field="month")
        except DomainValidationError as exc:
            raise forms.ValidationError(exc.errors["month"]) from None

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        month = data.get("month")
        if month is not None:
            if data.get("starts_at") or data.get("ends_at"):
                self.add_error("month", _("Give a month or a period, not both."))
            else:
                data["starts_at"], data["ends_at"] = month.bounds(self.contract.customer.timezone)
        return data

    def values(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "reason": data.get("reason", ""),
            "ticket": data.get("ticket"),
            "starts_at": data.get("starts_at"),
            "ends_at": data.get("ends_at"),
        }


class OutageForm(forms.Form):
    """Downtime monitoring missed, on one asset (the contract page offers its assets)."""

    asset = forms.ModelChoiceField(label=_("Asset"), queryset=Asset.objects.none())
    started_at = instant(_("Down from"), required=True)
    ended_at = instant(_("Up again at"), help_text=_("Leave empty while it is still down."))
    reason = reason_field(_("What happened"))
    planned = forms.BooleanField(
        label=_("Planned (announced) downtime: not counted against availability"),
        required=False,
    )
    ticket = forms.CharField(label=_("Ticket number"), required=False, max_length=20)

    def __init__(self, *args: Any, assets: QuerySet[Asset], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["asset"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = assets
        if assets.count() == 1:
            field.initial = assets.first()

    def clean_ticket(self) -> Ticket | None:
        number = self.cleaned_data.get("ticket", "").strip()
        asset = self.cleaned_data.get("asset")
        if not number or asset is None:
            return None
        return ticket_by_number(None, number, asset.customer_id)

    def values(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "asset": data["asset"],
            "started_at": data["started_at"],
            "ended_at": data.get("ended_at"),
            "reason": data.get("reason", ""),
            "planned": bool(data.get("planned")),
            "ticket": data.get("ticket"),
        }


class RenewForm(forms.Form):
    end_date = forms.DateField(
        label=_("New end date"), widget=forms.DateInput(attrs={"type": "date"})
    )
    fee_amount = forms.DecimalField(
        label=_("Fee for the new term"),
        required=False,
        max_digits=12,
        decimal_places=2,
        min_value=0,
        help_text=_("Leave empty to keep the current fee."),
    )
    reason = reason_field(_("Note"), required_html=False)
