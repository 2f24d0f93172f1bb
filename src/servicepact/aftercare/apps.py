from __future__ import annotations

from django.apps import AppConfig
from django.db.models.signals import post_migrate


class AftercareConfig(AppConfig):
    name = "servicepact.aftercare"
    label = "aftercare"

    def ready(self) -> None:
        from servicepact.aftercare.csat_hours import ensure

        post_migrate.connect(ensure, sender=self, dispatch_uid="aftercare-csat-hours")
