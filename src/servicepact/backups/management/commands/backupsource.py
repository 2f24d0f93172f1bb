from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from servicepact.backups.choices import CopyLocation, SourceKind
from servicepact.backups.models import BackupSource
from servicepact.backups.services import create_backup_source, rotate_backup_source_token
from servicepact.core.errors import DomainValidationError
from servicepact.customers.models import Customer


class Command(BaseCommand):
    help = (
        "Manage backup sources. `backupsource create NAME --kind generic|restic|bacula "
        "[--customer CODE] [--location local|offsite|other_zone] [--timezone ZONE]` and "
        "`backupsource rotate NAME` print the token alone on the last line; `backupsource list`."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="create a source and print its token")
        create.add_argument("name")
        create.add_argument("--kind", required=True, choices=SourceKind.values)
        create.add_argument("--customer", help="customer code: match only its assets")
        create.add_argument(
            "--location",
            default=CopyLocation.LOCAL,
            choices=CopyLocation.values,
            help="copy location of runs that do not name one",
        )
        create.add_argument("--timezone", default="UTC", help="zone of local times (Bacula)")
        rotate = sub.add_parser("rotate", help="replace a source's token and print it")
        rotate.add_argument("name")
        sub.add_parser("list", help="list sources")

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        if action == "list":
            for row in BackupSource.objects.select_related("customer"):
                code = row.customer.code if row.customer else "-"
                state = "active" if row.is_active else "inactive"
                self.stdout.write(
                    f"{row.name}\t{row.kind}\t{code}\t{row.default_location}\t"
                    f"{row.token_prefix}…\t{state}"
                )
            return
        if action == "rotate":
            source = BackupSource.objects.filter(name=options["name"]).first()
            if source is None:
                raise CommandError(f"name: no backup source named {options['name']!r}")
            raw = rotate_backup_source_token(source=source)
            self.stderr.write(f"New token for {source.name} (stored hashed; shown once):")
            self.stdout.write(raw)
            return
        customer = None
        if options["customer"]:
            customer = Customer.objects.filter(code=options["customer"]).first()
            if customer is None:
                raise CommandError(f"customer: no customer with code {options['customer']!r}")
        try:
            source, raw = create_backup_source(
                name=options["name"],
                kind=options["kind"],
                customer=customer,
                default_location=options["location"],
                timezone=options["timezone"],
            )
        except DomainValidationError as exc:
            raise CommandError(str(exc)) from exc
        self.stderr.write(
            f"Backup source {source.name} ({source.kind}); post to "
            f"/api/v1/backups/runs/{source.kind} with 'Authorization: Bearer <token>'. "
            "Token (stored hashed; shown once):"
        )
        self.stdout.write(raw)
