"""The desk's warranty forms and the asset page's warranty section (``warranty_pages``
holds the views that post them)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy

from servicepact.assets.choices import WarrantySource
from servicepact.assets.models import Asset, WarrantyEntitlement
from servicepact.contracts.models import ServicePlan


def _date(label: Any, required: bool = True) -> forms.DateField:
    return forms.DateField(
        label=label, required=required, widget=forms.DateInput(attrs={"type": "date"})
    )


def _tiers() -> Any:
    return ServicePlan.objects.filter(is_active=True).order_by("name")


class WarrantyForm(forms.Form):
    """A new entitlement: its tier, who gives it and each component's dates."""

    plan = forms.ModelChoiceField(label=gettext_lazy("Tier"), queryset=ServicePlan.objects.none())
    source = forms.ChoiceField(label=gettext_lazy("Source"), choices=WarrantySource.choices)
    reference = forms.CharField(label=gettext_lazy("Reference"), max_length=100, required=False)
    parts_start = _date(gettext_lazy("Parts from"))
    parts_end = _date(gettext_lazy("Parts until"))
    labour_start = _date(gettext_lazy("Labour from"))
    labour_end = _date(gettext_lazy("Labour until"))
    onsite_start = _date(gettext_lazy("On site from"), required=False)
    onsite_end = _date(gettext_lazy("On site until"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["plan"].queryset = _tiers()  # type: ignore[attr-defined]


class ExtensionForm(forms.Form):
    """An extension (续保) of one of the asset's entitlements."""

    warranty = forms.ModelChoiceField(
        label=gettext_lazy("Warranty to extend"), queryset=WarrantyEntitlement.objects.none()
    )
    ends_on = _date(gettext_lazy("Extended until"))
    plan = forms.ModelChoiceField(
        label=gettext_lazy("Tier (empty: the same)"),
        queryset=ServicePlan.objects.none(),
        required=False,
    )
    on_site = forms.BooleanField(label=gettext_lazy("With on-site service"), required=False)

    def __init__(self, *args: Any, asset: Asset, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["plan"].queryset = _tiers()  # type: ignore[attr-defined]
        self.fields["warranty"].queryset = asset.warranties.select_related("plan")  # type: ignore[attr-defined]
        self.fields["on_site"].initial = True


def warranty_context(
    asset: Asset, *, bound: tuple[str, forms.Form] | None = None
) -> dict[str, Any]:
    """The asset page's warranty section: entitlements, and the two forms (one bound)."""
    forms_ = {
        "warranty_form": WarrantyForm(prefix="warranty"),
        "extension_form": ExtensionForm(prefix="extend", asset=asset),
    }
    if bound is not None:
        forms_[bound[0]] = bound[1]
    rows = asset.warranties.select_related("plan", "extends__plan").order_by("starts_on", "id")
    return {"warranties": list(rows), **forms_}
