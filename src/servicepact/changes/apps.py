from __future__ import annotations

from django.apps import AppConfig


class ChangesConfig(AppConfig):
    name = "servicepact.changes"
    label = "changes"
