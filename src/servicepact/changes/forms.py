"""Forms the portal uses to decide on a change (the views call changes.services)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class ApproveChangeForm(forms.Form):
    """No fields: the POST itself (with its CSRF token) is the approval."""


class RejectChangeForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea, required=True)
