from __future__ import annotations

from django.apps import AppConfig


class FieldserviceConfig(AppConfig):
    name = "servicepact.fieldservice"
    label = "fieldservice"
