"""``servicepact statement CONTRACT --period YYYY-MM --format pdf|csv|json|html --output FILE
[--language zh-hans]``.

Writes a contract's monthly SLA statement (the frozen one if the month was closed, else the
live figures). ``--format audit`` writes the audit export zip instead.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation

from servicepact.billing.periods import Period
from servicepact.contracts.models import Contract
from servicepact.core.errors import DomainValidationError
from servicepact.core.i18n import supported
from servicepact.reports import formats
from servicepact.reports.audit import audit_export
from servicepact.reports.selectors import default_period, statement_for


class Command(BaseCommand):
    help = "Write a contract's monthly SLA statement as PDF, CSV, JSON or HTML."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("contract", help="contract number, e.g. ACME-1")
        parser.add_argument("--period", help="YYYY-MM (default: the last closed month)")
        parser.add_argument(
            "--format", default="pdf", choices=[*formats.CONTENT_TYPES, "audit"], dest="fmt"
        )
        parser.add_argument("--output", required=True, help="file to write ('-' for stdout)")
        parser.add_argument(
            "--language",
            default=None,
            help="the statement's language, e.g. zh-hans (default: settings.LANGUAGE_CODE)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        contract = (
            Contract.objects.select_related("customer", "plan")
            .filter(number=options["contract"])
            .first()
        )
        if contract is None:
            raise CommandError(f"no contract {options['contract']!r}")
        try:
            period = (
                Period.parse(options["period"]) if options["period"] else default_period(contract)
            )
        except DomainValidationError as exc:
            raise CommandError(f"--period: {exc}") from None
        language = supported(options["language"] or settings.LANGUAGE_CODE)
        if language is None:
            offered = ", ".join(code for code, _name in settings.LANGUAGES)
            raise CommandError(f"--language: one of {offered}")
        fmt = options["fmt"]
        with translation.override(language):
            if fmt == "audit":
                data = audit_export(contract, period)
            else:
                data = formats.render(statement_for(contract, period), fmt)
        if options["output"] == "-":
            self.stdout.write(data.decode() if fmt in ("csv", "json", "html") else repr(data[:40]))
            return
        Path(options["output"]).write_bytes(data)
        self.stderr.write(
            f"{contract.number} {period} ({fmt}): {len(data)} bytes -> {options['output']}"
        )
