"""``servicepact mailbox``: create a mailbox (its inbound token alone on the last line), rotate
its token, list mailboxes, and map a customer's e-mail domain."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from servicepact.core.errors import DomainValidationError
from servicepact.customers.models import Customer
from servicepact.mail.choices import ImapSecurity
from servicepact.mail.models import Mailbox
from servicepact.mail.services import add_mail_domain, create_mailbox, rotate_mailbox_token


def _customer(code: str | None) -> Customer | None:
    if not code:
        return None
    customer = Customer.objects.filter(code=code).first()
    if customer is None:
        raise CommandError(f"customer: no customer with code {code!r}")
    return customer


class Command(BaseCommand):
    help = (
        "Manage inbound mailboxes. `mailbox create NAME --address ADDRESS` and "
        "`mailbox rotate NAME` print the inbound token alone on the last line; "
        "`mailbox list`; `mailbox domain CUSTOMER DOMAIN` matches a customer's unknown senders."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="create a mailbox and print its inbound token")
        create.add_argument("name")
        create.add_argument("--address", required=True)
        create.add_argument("--customer", help="customer code: only its contacts and domains")
        create.add_argument("--imap-host", default="")
        create.add_argument("--imap-port", type=int)
        create.add_argument("--imap-security", choices=ImapSecurity.values, default="ssl")
        create.add_argument("--imap-user", default="")
        create.add_argument(
            "--imap-password-env", default="", help="name of the variable holding the password"
        )
        create.add_argument("--folder", default="INBOX")
        rotate = sub.add_parser("rotate", help="replace a mailbox's token and print it")
        rotate.add_argument("name")
        sub.add_parser("list", help="list mailboxes")
        domain = sub.add_parser("domain", help="match a customer's e-mail domain")
        domain.add_argument("customer", help="customer code")
        domain.add_argument("domain")

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        try:
            getattr(self, f"_{action}")(options)
        except DomainValidationError as exc:
            raise CommandError(str(exc)) from exc

    def _list(self, options: dict[str, Any]) -> None:
        for box in Mailbox.objects.select_related("customer"):
            customer = box.customer.code if box.customer else "-"
            imap = f"{box.imap_host}:{box.imap_port}" if box.imap_host else "push only"
            state = "active" if box.is_active else "inactive"
            self.stdout.write(f"{box.name}\t{box.address}\t{customer}\t{imap}\t{state}")

    def _rotate(self, options: dict[str, Any]) -> None:
        box = Mailbox.objects.filter(name=options["name"]).first()
        if box is None:
            raise CommandError(f"name: no mailbox named {options['name']!r}")
        raw = rotate_mailbox_token(mailbox=box)
        self.stderr.write(f"New inbound token for {box.name} (stored hashed; shown once):")
        self.stdout.write(raw)

    def _domain(self, options: dict[str, Any]) -> None:
        customer = _customer(options["customer"])
        if customer is None:
            raise CommandError("customer: a mail domain needs a customer code")
        row = add_mail_domain(customer=customer, domain=options["domain"])
        self.stdout.write(f"{row.domain} -> {row.customer.name}")

    def _create(self, options: dict[str, Any]) -> None:
        box, raw = create_mailbox(
            name=options["name"],
            address=options["address"],
            customer=_customer(options["customer"]),
            imap_host=options["imap_host"],
            imap_port=options["imap_port"],
            imap_security=options["imap_security"],
            imap_user=options["imap_user"],
            imap_password_env=options["imap_password_env"],
            folder=options["folder"],
        )
        self.stderr.write(
            f"Mailbox {box.name} <{box.address}> created. Its inbound token for "
            "POST /api/v1/mail/inbound (stored hashed; shown once):"
        )
        self.stdout.write(raw)
