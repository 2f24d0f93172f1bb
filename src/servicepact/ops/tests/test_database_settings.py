"""The database settings that matter for speed on PostgreSQL: server-side binding with
prepared statements (ADR 0031), and the switch that turns them off for a pooler that does not
track them."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from django.db import connection

from servicepact.tickets.models import Ticket

SHOW = (
    "import json; from servicepact import settings; "
    "print(json.dumps(settings.DATABASES['default'].get('OPTIONS', {})))"
)


def options(**env: str) -> dict[str, object]:
    """``DATABASES['default']['OPTIONS']`` as the settings module builds it under ``env``."""
    base = {k: v for k, v in os.environ.items() if k != "DATABASE_PREPARED_STATEMENTS"}
    out = subprocess.run(
        [sys.executable, "-c", SHOW],
        env={**base, "SERVICEPACT_INSECURE_DEV_KEY": "1", **env},
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_postgresql_binds_on_the_server_and_prepares_unless_turned_off():
    url = "postgres://postgres@127.0.0.1:5432/x"
    assert options(DATABASE_URL=url) == {"server_side_binding": True, "prepare_threshold": 5}
    for off in ("0", "false", "no"):
        assert "server_side_binding" not in options(
            DATABASE_URL=url, DATABASE_PREPARED_STATEMENTS=off
        )
    sqlite = options(DATABASE_URL="sqlite:////tmp/x.sqlite3")
    assert "server_side_binding" not in sqlite and "prepare_threshold" not in sqlite


@pytest.mark.django_db
def test_a_statement_run_five_times_is_prepared_on_the_connection():
    if connection.vendor != "postgresql":
        pytest.skip("prepared statements are PostgreSQL's")
    if connection.settings_dict.get("OPTIONS", {}).get("server_side_binding") is not True:
        pytest.skip("DATABASE_PREPARED_STATEMENTS is off in this run")

    def prepared() -> int:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_prepared_statements")
            return int(cursor.fetchone()[0])

    before = prepared()
    for _ in range(6):
        list(Ticket.objects.filter(priority=2, subject="prepared?").values_list("pk"))
    assert prepared() > before
