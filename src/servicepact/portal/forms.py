"""The customer's ticket form: plain questions that map onto the contract's priority policy.

Impact (how much is affected) and urgency (how soon it hurts) are asked in everyday words; the
contract's priority matrix turns the two answers into a priority (``Terms.priority_for``).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from servicepact.assets.models import Asset
from servicepact.tickets.choices import TEXT_MAX_CHARS, Category

# Browsers stop typing at the limit; the services check it again (a field error, nothing stored).
LONG_TEXT = {"maxlength": str(TEXT_MAX_CHARS)}

IMPACT_CHOICES = [
    (1, _("The whole company, or all of our services")),
    (2, _("A department, a site or several systems")),
    (3, _("A few people or one system")),
    (4, _("One person, or nobody yet")),
]
URGENCY_CHOICES = [
    (1, _("Right now: our business has stopped")),
    (2, _("Within hours: important work is held up")),
    (3, _("Within days: we can work around it for now")),
    (4, _("Not soon: it can wait")),
]


class NewTicketForm(forms.Form):
    asset = forms.ModelChoiceField(
        label=_("Which system is affected?"),
        queryset=Asset.objects.none(),
        required=False,
        empty_label=_("None, or not sure"),
    )
    category = forms.ChoiceField(
        label=_("What is it about?"), choices=Category.choices, initial=Category.HARDWARE
    )
    subject = forms.CharField(
        label=_("Subject"),
        max_length=200,
        required=False,
        widget=forms.TextInput(
            attrs={"required": "required", "placeholder": _("e.g. Server does not boot")}
        ),
    )
    description = forms.CharField(
        label=_("What happened?"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5, **LONG_TEXT}),
        help_text=_("What you see, since when, and what you have tried."),
    )
    impact = forms.TypedChoiceField(
        label=_("How many people or systems are affected?"),
        choices=IMPACT_CHOICES,
        coerce=int,
        widget=forms.RadioSelect,
    )
    urgency = forms.TypedChoiceField(
        label=_("How soon does it hurt your business?"),
        choices=URGENCY_CHOICES,
        coerce=int,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args: Any, assets: QuerySet[Asset], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["asset"].queryset = assets  # type: ignore[attr-defined]
        self.fields["asset"].label_from_instance = _asset_label  # type: ignore[attr-defined]


def _asset_label(asset: Asset) -> str:
    model = " ".join(p for p in (asset.vendor, asset.model) if p)
    return f"{asset.hostname} ({model})" if model else asset.hostname


class PreviewForm(NewTicketForm):
    """The preview needs only what decides priority and deadlines."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("subject", "description"):
            del self.fields[name]


class CommentForm(forms.Form):
    body = forms.CharField(
        label=_("Add a comment"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "required": "required", **LONG_TEXT}),
    )
    file = forms.FileField(label=_("Attach a file (log, screenshot)"), required=False)


class DeclineForm(forms.Form):
    reason = forms.CharField(
        label=_("What does not work with this solution?"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "required": "required", **LONG_TEXT}),
    )


class ReopenForm(forms.Form):
    reason = forms.CharField(
        label=_("What is still not working?"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "required": "required", **LONG_TEXT}),
    )
