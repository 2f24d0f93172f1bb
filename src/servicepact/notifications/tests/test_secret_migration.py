"""Migration 0002 turns stored secrets into the ``whsec_`` form of the same key bytes."""

from __future__ import annotations

import base64

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from servicepact.notifications.signing import legacy_signature, secret_key

BEFORE = [("notifications", "0001_initial")]
AFTER = [("notifications", "0002_standard_webhook_secrets")]


def migrate(targets: list[tuple[str, str]]):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_stored_secrets_become_whsec_with_the_same_key_and_back():
    """A hex secret (the old default) and a hand-typed one become whsec_ + base64 of their
    bytes, so the legacy body signature does not change; an already converted secret is left
    alone; migrating back restores the text."""
    apps = migrate(BEFORE)
    endpoints = apps.get_model("notifications", "WebhookEndpoint")
    hex_secret = "ab" * 32
    typed = endpoints.objects.create(name="typed", url="http://127.0.0.1:9/", secret="s3cret!")
    old = endpoints.objects.create(name="hex", url="http://127.0.0.1:9/", secret=hex_secret)
    done = "whsec_" + base64.b64encode(b"\xff" * 32).decode()  # not UTF-8 text
    converted = endpoints.objects.create(name="done", url="http://127.0.0.1:9/", secret=done)
    try:
        apps = migrate(AFTER)
        rows = {
            e.pk: e.secret for e in apps.get_model("notifications", "WebhookEndpoint").objects.all()
        }
        assert rows == {
            typed.pk: "whsec_" + base64.b64encode(b"s3cret!").decode(),
            old.pk: "whsec_" + base64.b64encode(hex_secret.encode()).decode(),
            converted.pk: done,
        }
        assert secret_key(rows[old.pk]) == hex_secret.encode()
        assert legacy_signature(rows[old.pk], b"{}") == legacy_signature(hex_secret, b"{}")

        apps = migrate(BEFORE)
        back = {
            e.pk: e.secret for e in apps.get_model("notifications", "WebhookEndpoint").objects.all()
        }
        # The random key has no text form; it stays as it is.
        assert back == {typed.pk: "s3cret!", old.pk: hex_secret, converted.pk: done}
    finally:
        migrate(executor_leaf())


def executor_leaf() -> list[tuple[str, str]]:
    executor = MigrationExecutor(connection)
    return executor.loader.graph.leaf_nodes()
