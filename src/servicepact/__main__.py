"""The `servicepact` command: Django's management commands plus our own.

`servicepact sla ...` runs the SLA engine's CLI without starting Django, so that a customer
auditing a provider's report needs nothing but the calendar and a CSV file.
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv if argv is None else argv)
    if len(args) > 1 and args[1] == "sla":
        from servicepact.slaclock.cli import main as sla_main

        return sla_main(args[2:])
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "servicepact.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
