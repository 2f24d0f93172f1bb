"""Choices of the tier comparison: who delivers an offer's service."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class DeliveredBy(models.TextChoices):
    MANUFACTURER = "manufacturer", _("Manufacturer")
    RESELLER = "reseller", _("Reseller")


MAX_YEARS = 10  # a TCO horizon and the extension years an offer may price
