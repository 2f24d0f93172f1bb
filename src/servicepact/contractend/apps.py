from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ContractEndConfig(AppConfig):
    name = "servicepact.contractend"
    label = "contractend"
    verbose_name = _("Contract end")
