from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from servicepact.accounts.models import ApiToken

EXPIRY_CHOICES = [
    ("30", _("30 days")),
    ("90", _("90 days")),
    ("365", _("1 year")),
    ("0", _("Never")),
]


class TokenCreateForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=ApiToken._meta.get_field("name").max_length,
        help_text=_("What the token is for, e.g. the script or system that uses it."),
    )
    expires = forms.ChoiceField(label=_("Expires after"), choices=EXPIRY_CHOICES, initial="365")

    def days(self) -> int:
        return int(self.cleaned_data["expires"])
