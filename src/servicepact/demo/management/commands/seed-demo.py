from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from servicepact.demo.seed import DEMO_LOGINS, PASSWORD, seed_demo


class Command(BaseCommand):
    help = "Create the demo data set (idempotent): customers, contracts, assets, a year of tickets."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--no-history", action="store_true", help="skip the twelve months of history"
        )

    def handle(self, *args: Any, no_history: bool = False, **options: Any) -> None:
        started = time.monotonic()

        def progress(message: str) -> None:
            self.stdout.write(f"  [{time.monotonic() - started:5.1f}s] {message}")
            self.stdout.flush()

        self.stdout.write("Seeding demo data ...")
        seed_demo(progress, history=not no_history)
        url = settings.SERVICEPACT["SITE_URL"]
        self.stdout.write("")
        self.stdout.write(
            f"ServicePact demo at {url}/  — desk {url}/desk/ · portal {url}/portal/ · admin {url}/admin/"
        )
        self.stdout.write(f"Demo logins (password '{PASSWORD}' for all, demo only):")
        for username, role in DEMO_LOGINS:
            self.stdout.write(f"  {username:<13} {role}")
