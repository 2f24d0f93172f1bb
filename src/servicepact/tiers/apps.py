from __future__ import annotations

from django.apps import AppConfig


class TiersConfig(AppConfig):
    name = "servicepact.tiers"
    label = "tiers"
