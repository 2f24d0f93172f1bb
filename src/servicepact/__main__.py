"""The `servicepact` command: Django's management commands plus our own.

`servicepact sla ...` runs the SLA engine's CLI without starting Django, so that a customer
auditing a provider's report needs nothing but the calendar and a CSV file;
`servicepact audit verify EXPORT.zip` recomputes a whole statement from its audit export,
again without Django.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import Path


def ensure_database_dir(db: Mapping[str, object] | None = None) -> Path | None:
    """Creates the SQLite database's folder (``var/`` by default) so that the first
    ``servicepact migrate`` after ``make install`` works; PostgreSQL needs nothing."""
    if db is None:
        from django.conf import settings

        db = settings.DATABASES["default"]
    name = str(db.get("NAME") or "")
    if db.get("ENGINE") != "django.db.backends.sqlite3" or name in ("", ":memory:"):
        return None
    if name.startswith("file:"):  # a SQLite URI: not a plain path
        return None
    folder = Path(name).parent
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv if argv is None else argv)
    if len(args) > 1 and args[1] == "sla":
        from servicepact.slaclock.cli import main as sla_main

        return sla_main(args[2:])
    if len(args) > 1 and args[1] == "audit":  # audit verify: no database either
        from servicepact.slaclock.audit_verify import main as audit_main

        return audit_main(args[2:])
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "servicepact.settings")
    ensure_database_dir()
    from django.core.management import execute_from_command_line

    execute_from_command_line(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
