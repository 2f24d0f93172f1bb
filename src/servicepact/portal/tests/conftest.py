"""Fixtures for the portal view tests: a small world built through the services and logged-in
clients per role (shared with the desk suite through servicepact.tickets.testing)."""

from __future__ import annotations

from servicepact.tickets.testing import (  # noqa: F401  (fixtures and helpers for the tests)
    Clock,
    acme,
    agent_client,
    contact_client,
    globex,
    login,
    ny,
    other_agent,
)
