from __future__ import annotations

from django.apps import AppConfig


class AssetsConfig(AppConfig):
    name = "servicepact.assets"
    label = "assets"
