from __future__ import annotations

from django.apps import AppConfig
from django.db.models.signals import post_migrate


class TicketsConfig(AppConfig):
    name = "servicepact.tickets"
    label = "tickets"

    def ready(self) -> None:
        from servicepact.tickets.open_counts import ensure

        # The open-ticket counts' triggers survive a SQLite table rebuild (ADR 0024).
        post_migrate.connect(ensure, sender=self, dispatch_uid="tickets-open-counts")
