"""``servicepact dashboard_backfill --days N``: freezes the last N closed days as the
dashboard's daily aggregates (recomputing days already frozen; the worker does the same
for days it has not reached, a week per pass)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from servicepact.core.time import local_date
from servicepact.core.time import now as current_time
from servicepact.reports.services import aggregate_day


class Command(BaseCommand):
    help = "Freeze the dashboard's daily aggregates of the last N closed days."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--days", type=int, default=40, help="closed days back (default 40)")

    def handle(self, *args: Any, **options: Any) -> None:
        days = options["days"]
        if days < 1:
            raise CommandError("--days: must be at least 1")
        moment = current_time()
        today = local_date(moment, settings.TIME_ZONE)
        rows = 0
        for n in range(days, 0, -1):
            rows += aggregate_day(day=today - timedelta(days=n), now=moment)
        self.stdout.write(f"{days} days frozen, {rows} rows")
