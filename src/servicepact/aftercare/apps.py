from __future__ import annotations

from django.apps import AppConfig


class AftercareConfig(AppConfig):
    name = "servicepact.aftercare"
    label = "aftercare"
