from __future__ import annotations

from django.apps import AppConfig


class KbConfig(AppConfig):
    name = "servicepact.kb"
    label = "kb"
