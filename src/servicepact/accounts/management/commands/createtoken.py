from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from servicepact.accounts.services import create_api_token
from servicepact.core.errors import DomainValidationError


class Command(BaseCommand):
    help = "Create an API token for a user; the token is printed alone on the last line."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--name", default="cli", help="a label for the token")
        parser.add_argument(
            "--days",
            type=int,
            default=None,
            help="lifetime in days (0: never expires; default SERVICEPACT_API_TOKEN_DAYS, 365)",
        )

    def handle(
        self, *args: Any, username: str, name: str, days: int | None, **options: Any
    ) -> None:
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"username: no user named {username!r}")
        try:
            token, raw = create_api_token(user=user, name=name, days=days)
        except DomainValidationError as exc:
            raise CommandError(str(exc)) from exc
        expiry = token.expires_at.isoformat() if token.expires_at else "never"
        self.stderr.write(f"Token for {username}, expires {expiry} (stored hashed; shown once):")
        self.stdout.write(raw)
