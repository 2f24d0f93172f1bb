from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from servicepact.contracts.models import Calendar
from servicepact.contracts.services import import_holidays
from servicepact.core.errors import DomainValidationError


class Command(BaseCommand):
    help = "Import a country's public holidays into a calendar, as data (e.g. CN 2025 2026)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("calendar", help="calendar name")
        parser.add_argument("country", help="ISO country code: US, DE, GB, CN, ...")
        parser.add_argument("years", nargs="+", type=int)
        parser.add_argument("--subdiv", default=None, help="subdivision, e.g. BE for Berlin")
        parser.add_argument(
            "--makeup-days",
            default=None,
            metavar="HH:MM-HH:MM",
            help="also turn make-up working days into overrides with this window",
        )

    def handle(
        self,
        *args: Any,
        calendar: str,
        country: str,
        years: list[int],
        subdiv: str | None,
        makeup_days: str | None,
        **options: Any,
    ) -> None:
        cal = Calendar.objects.filter(name=calendar).first()
        if cal is None:
            raise CommandError(f"calendar: no calendar named {calendar!r}")
        windows = [makeup_days.split("-", 1)] if makeup_days else None
        try:
            added = import_holidays(
                calendar=cal,
                country=country.upper(),
                years=years,
                subdiv=subdiv,
                makeup_windows=windows,
            )
        except DomainValidationError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"{added} holidays added to {cal.name}")
