"""Forms of the desk's stock writes (desk/spare_parts.py, desk/stock_pages.py): they parse,
``stock.services`` decides; a service refusal lands on the form's field of the same name."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy

from servicepact.fieldservice.models import WorkOrder
from servicepact.stock.choices import RMA_STEPS, RmaStatus
from servicepact.stock.depots import active_depots
from servicepact.stock.models import QUANTITY_MAX, Rma
from servicepact.stock.selectors import parts
from servicepact.stock.services import REASON_MAX, SERIAL_MAX
from servicepact.tickets.models import Ticket


def _part() -> forms.ModelChoiceField[Any]:
    field: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=gettext_lazy("Part"), queryset=parts()
    )
    field.label_from_instance = lambda p: f"{p.part_number} · {p.description}"  # type: ignore[method-assign,assignment]
    return field


def _depot() -> forms.ModelChoiceField[Any]:
    return forms.ModelChoiceField(label=gettext_lazy("Depot"), queryset=active_depots())


class ReserveForm(forms.Form):
    """Reserve a part for a ticket, optionally for one of its work orders."""

    def __init__(self, *args: Any, ticket: Ticket, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["part"] = _part()
        self.fields["depot"] = _depot()
        self.fields["quantity"] = forms.IntegerField(
            label=gettext_lazy("Quantity"), min_value=1, max_value=QUANTITY_MAX, initial=1
        )
        work_order: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
            label=gettext_lazy("Work order"),
            queryset=WorkOrder.objects.filter(ticket=ticket).order_by("planned_arrival_at"),
            required=False,
            empty_label=gettext_lazy("none (the ticket)"),
        )
        self.fields["work_order"] = work_order


class ConsumeForm(forms.Form):
    covered_by_contract = forms.BooleanField(
        label=gettext_lazy("The contract covers parts (not charged)"), required=False
    )


class StockForm(forms.Form):
    """Parts received at a depot."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["part"] = _part()
        self.fields["depot"] = _depot()
        self.fields["quantity"] = forms.IntegerField(
            label=gettext_lazy("Quantity"), min_value=1, max_value=QUANTITY_MAX
        )
        self.fields["reason"] = forms.CharField(
            label=gettext_lazy("Note"), max_length=REASON_MAX, required=False
        )


class AdjustForm(forms.Form):
    """A counted correction: ± on hand, with the reason."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["part"] = _part()
        self.fields["depot"] = _depot()
        self.fields["delta"] = forms.IntegerField(
            label=gettext_lazy("Change on hand (+ or −)"),
            min_value=-QUANTITY_MAX,
            max_value=QUANTITY_MAX,
        )
        self.fields["reason"] = forms.CharField(label=gettext_lazy("Reason"), max_length=REASON_MAX)


class RmaForm(forms.Form):
    """A faulty part swapped on a ticket's asset, going back to its vendor."""

    ticket = forms.CharField(label=gettext_lazy("Ticket number"), max_length=20)
    faulty_serial = forms.CharField(label=gettext_lazy("Faulty serial"), max_length=SERIAL_MAX)
    replacement_serial = forms.CharField(
        label=gettext_lazy("Replacement serial"), max_length=SERIAL_MAX
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["part"] = _part()
        self.fields["depot"] = _depot()
        self.order_fields(["ticket", "part", "depot", "faulty_serial", "replacement_serial"])

    def clean_ticket(self) -> Ticket:
        number = self.cleaned_data["ticket"].strip()
        ticket = Ticket.objects.filter(number=number).first()
        if ticket is None:
            raise forms.ValidationError(gettext_lazy("No ticket with this number."))
        return ticket


def next_rma_steps(rma: Rma) -> list[tuple[str, str]]:
    """The statuses an RMA may move to from where it is (``stock.choices.RMA_STEPS``)."""
    return [
        (step, str(RmaStatus(step).label))
        for step, allowed in RMA_STEPS.items()
        if rma.status in allowed
    ]


class AdvanceRmaForm(forms.Form):
    status = forms.ChoiceField(label=gettext_lazy("New status"), choices=RmaStatus.choices)
    vendor_reference = forms.CharField(
        label=gettext_lazy("Vendor reference"), max_length=100, required=False
    )

    def __init__(self, *args: Any, rma: Rma, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = next_rma_steps(rma)  # type: ignore[attr-defined]
