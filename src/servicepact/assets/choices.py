from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class AssetKind(models.TextChoices):
    SERVER = "server", _("Server")
    STORAGE = "storage", _("Storage")
    NETWORK = "network", _("Network device")
    VIRTUAL = "virtual", _("Virtual machine")
    APPLICATION = "application", _("Application")


class ComponentKind(models.TextChoices):
    """What a configuration record describes (version management, docs/changes.md)."""

    FIRMWARE = "firmware", _("Firmware")
    BIOS = "bios", _("BIOS")
    OS = "os", _("Operating system")
    DRIVER = "driver", _("Driver")
    SOFTWARE = "software", _("Software")
    # A field-replaceable hardware part by part number; its version is the fitted serial
    # (servicepact.stock records it when a faulty part is swapped under an RMA).
    PART = "part", _("Hardware part")


class WarrantySource(models.TextChoices):
    """Who gives a warranty promise (docs/field-service.md)."""

    MANUFACTURER = "manufacturer", _("Manufacturer")
    RESELLER = "reseller", _("Reseller")
    OWN = "own", _("Our own")


class VendorKind(models.TextChoices):
    """Whom a back-to-back vendor contract binds."""

    MANUFACTURER = "manufacturer", _("Manufacturer")
    SUBCONTRACTOR = "subcontractor", _("Subcontractor")
