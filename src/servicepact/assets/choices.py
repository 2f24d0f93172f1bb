from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class AssetKind(models.TextChoices):
    SERVER = "server", _("Server")
    STORAGE = "storage", _("Storage")
    NETWORK = "network", _("Network device")
    VIRTUAL = "virtual", _("Virtual machine")
    APPLICATION = "application", _("Application")
