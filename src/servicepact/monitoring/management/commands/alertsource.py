from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from servicepact.core.errors import DomainValidationError
from servicepact.customers.models import Customer
from servicepact.monitoring.choices import SourceKind
from servicepact.monitoring.models import AlertSource
from servicepact.monitoring.rules import parse_duration
from servicepact.monitoring.services import create_alert_source, rotate_source_token


class Command(BaseCommand):
    help = (
        "Manage alert sources. `alertsource create NAME --kind KIND [--customer CODE]` and "
        "`alertsource rotate NAME` print the token alone on the last line; `alertsource list`."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="create a source and print its token")
        create.add_argument("name")
        create.add_argument("--kind", required=True, choices=SourceKind.values)
        create.add_argument("--customer", help="customer code: match only its assets")
        create.add_argument("--auto-resolve", action="store_true")
        create.add_argument("--open-ticket-on-miss", action="store_true")
        create.add_argument(
            "--outage-max-priority", type=int, default=1, help="downtime up to this priority"
        )
        create.add_argument(
            "--detection-delay", default="0", help="outages start this much earlier (5m, 300)"
        )
        create.add_argument(
            "--default-category", default="other", help="category of unmapped incidents"
        )
        rotate = sub.add_parser("rotate", help="replace a source's token and print it")
        rotate.add_argument("name")
        sub.add_parser("list", help="list sources")

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        if action == "list":
            for row in AlertSource.objects.select_related("customer"):
                code = row.customer.code if row.customer else "-"
                state = "active" if row.is_active else "inactive"
                self.stdout.write(f"{row.name}\t{row.kind}\t{code}\t{row.token_prefix}…\t{state}")
            return
        if action == "rotate":
            source = AlertSource.objects.filter(name=options["name"]).first()
            if source is None:
                raise CommandError(f"name: no alert source named {options['name']!r}")
            raw = rotate_source_token(source=source)
            self.stderr.write(f"New token for {source.name} (stored hashed; shown once):")
            self.stdout.write(raw)
            return
        customer = None
        if options["customer"]:
            customer = Customer.objects.filter(code=options["customer"]).first()
            if customer is None:
                raise CommandError(f"customer: no customer with code {options['customer']!r}")
        delay = parse_duration(options["detection_delay"])
        if delay is None:
            raise CommandError("detection-delay: expected a duration such as 5m, 1h30m or 300")
        try:
            source, raw = create_alert_source(
                name=options["name"],
                kind=options["kind"],
                customer=customer,
                auto_resolve=options["auto_resolve"],
                open_ticket_on_miss=options["open_ticket_on_miss"],
                outage_max_priority=options["outage_max_priority"],
                detection_delay_seconds=delay,
                default_category=options["default_category"],
            )
        except DomainValidationError as exc:
            raise CommandError(str(exc)) from exc
        self.stderr.write(
            f"Alert source {source.name} ({source.kind}); post to /api/v1/alerts/{source.kind} "
            f"with 'Authorization: Bearer <token>'. Token (stored hashed; shown once):"
        )
        self.stdout.write(raw)
