"""Schemathesis against /api/v1/openapi.json, in process (WSGI), as staff and as a contact.

Run with ``make test-api-fuzz`` (skipped in the normal suite: it takes minutes). Phases
examples, coverage and fuzzing with a fixed seed; checks ``not_a_server_error``,
``status_code_conformance`` and ``response_schema_conformance``. Every failure is a bug in the
code or in the schema it publishes, never in this file.
"""

from __future__ import annotations

import os
from datetime import date
from typing import Any

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import (
    response_schema_conformance,
    status_code_conformance,
)

from servicepact.accounts.services import create_api_token
from servicepact.tickets import services as ticket_services
from servicepact.tickets.testing import world

SEED = 20261205
MAX_EXAMPLES = int(os.environ.get("SERVICEPACT_FUZZ_EXAMPLES", "25"))

pytestmark = [
    pytest.mark.schemathesis,
    pytest.mark.skipif(
        not os.environ.get("SERVICEPACT_FUZZ"), reason="run by `make test-api-fuzz`"
    ),
]

CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]


def _config() -> SchemathesisConfig:
    return SchemathesisConfig.from_dict(
        {
            "seed": SEED,
            "phases": {
                "examples": {"enabled": True},
                "coverage": {"enabled": True},
                "fuzzing": {"enabled": True},
                "stateful": {"enabled": False},
            },
            "generation": {"max-examples": MAX_EXAMPLES, "database": "none"},
        }
    )


@pytest.fixture(autouse=True)
def _keep_the_test_transaction() -> Any:
    """The real WSGI handler closes the connection after each request (as in production);
    inside the test's transaction that would drop it on PostgreSQL. Django's own test client
    switches this off the same way."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def fuzz_world(db: Any) -> dict[str, str]:
    """Two customers built through the services, a ticket each, a token per role."""
    acme = world(code="acme", start=date(2026, 1, 1), end=date(2027, 12, 31))
    globex = world(code="globex", start=date(2026, 1, 1), end=date(2027, 12, 31), agent=acme.agent)
    for w in (acme, globex):
        ticket_services.open_ticket(
            customer=w.customer,
            contact=w.contact,
            asset=w.asset,
            subject="Disk failure",
            impact=2,
            urgency=2,
            actor=w.contact.user,
        )
    _, staff = create_api_token(user=acme.agent, name="fuzz")
    _, contact = create_api_token(user=acme.contact.user, name="fuzz")
    return {"staff": staff, "contact": contact}


def _schema() -> Any:
    """The published schema, read through the WSGI app (no database needed for it).

    Django's own WSGI handler, not ``servicepact.wsgi``: that module refuses to start a web
    server without collected static files (ops.checks), which tests serve from the source."""
    from django.core.wsgi import get_wsgi_application

    application = get_wsgi_application()

    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application, config=_config())


schema = _schema()


# The data set is built once per test; requests that create rows add to it (as in real use).
FUZZ_SETTINGS = settings(deadline=None, suppress_health_check=list(HealthCheck))


@schema.parametrize()
@FUZZ_SETTINGS
def test_api_as_staff(case: Any, fuzz_world: dict[str, str]) -> None:
    case.call_and_validate(
        headers={"Authorization": f"Bearer {fuzz_world['staff']}"}, checks=CHECKS
    )


@schema.parametrize()
@FUZZ_SETTINGS
def test_api_as_contact(case: Any, fuzz_world: dict[str, str]) -> None:
    case.call_and_validate(
        headers={"Authorization": f"Bearer {fuzz_world['contact']}"}, checks=CHECKS
    )
