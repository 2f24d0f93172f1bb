from __future__ import annotations

from django.apps import AppConfig


class InspectionsConfig(AppConfig):
    name = "servicepact.inspections"
    label = "inspections"
