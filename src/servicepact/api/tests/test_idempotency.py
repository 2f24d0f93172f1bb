"""``Idempotency-Key`` on POST creates: a retry returns the first answer, nothing twice."""

from __future__ import annotations

import threading
from datetime import timedelta

import psycopg
import pytest
from django.db import connection, connections
from django.test import RequestFactory

from servicepact.api.idempotency import fingerprint
from servicepact.api.models import IdempotencyKey
from servicepact.tickets.models import Comment, Ticket

from .conftest import BASE, Api, ny

pytestmark = pytest.mark.django_db


def post(api: Api, path: str, body: dict, key: str | None):
    headers = {} if key is None else {"Idempotency-Key": key}
    return api.client.post(BASE + path, body, content_type="application/json", headers=headers)


def ticket_body(acme, subject="Disk failure"):
    return {"customer": acme.customer.pk, "subject": subject, "impact": 2, "urgency": 2}


def test_the_same_key_and_body_return_the_first_ticket(staff, acme):
    """The retry answers 201 with the first body byte for byte, marked as a replay; one ticket."""
    first = post(staff, "/tickets", ticket_body(acme), "k-1")
    again = post(staff, "/tickets", ticket_body(acme), "k-1")
    assert first.status_code == again.status_code == 201
    assert again.content == first.content
    assert again["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first
    assert Ticket.objects.count() == 1
    assert IdempotencyKey.objects.get().status == 201


def test_json_spacing_and_key_order_do_not_count_as_another_body(staff, acme):
    body = ticket_body(acme)
    post(staff, "/tickets", body, "k-1")
    reordered = dict(reversed(list(body.items())))
    again = post(staff, "/tickets", reordered, "k-1")
    assert again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert Ticket.objects.count() == 1


def test_the_same_key_with_another_body_is_a_422_naming_the_header(staff, acme):
    post(staff, "/tickets", ticket_body(acme), "k-1")
    other = post(staff, "/tickets", ticket_body(acme, subject="Fan noise"), "k-1")
    assert other.status_code == 422
    [error] = other.json()["detail"]
    assert error["loc"] == ["header", "Idempotency-Key"]
    assert error["type"] == "key_reused"
    assert Ticket.objects.count() == 1


def test_the_same_key_on_another_endpoint_is_refused(staff, acme):
    ticket = post(staff, "/tickets", ticket_body(acme), "k-1").json()
    comment = post(staff, f"/tickets/{ticket['id']}/comments", {"body": "On it"}, "k-1")
    assert comment.status_code == 422
    assert comment.json()["detail"][0]["loc"] == ["header", "Idempotency-Key"]
    assert Comment.objects.count() == 0


def test_keys_belong_to_their_user(staff, acme_contact, acme):
    """Another user's identical key is not a retry: both tickets are opened."""
    post(staff, "/tickets", ticket_body(acme), "shared")
    mine = post(acme_contact, "/tickets", {"subject": "Disk failure"}, "shared")
    assert mine.status_code == 201
    assert "Idempotent-Replayed" not in mine
    assert Ticket.objects.count() == 2


def test_without_the_header_two_posts_open_two_tickets(staff, acme):
    post(staff, "/tickets", ticket_body(acme), None)
    post(staff, "/tickets", ticket_body(acme), None)
    assert Ticket.objects.count() == 2
    assert IdempotencyKey.objects.count() == 0


def test_a_refused_create_is_not_stored_and_the_key_stays_usable(staff, acme):
    """422 rolls back with the key: the corrected request under the same key creates."""
    bad = post(staff, "/tickets", ticket_body(acme, subject=" "), "k-1")
    assert bad.status_code == 422
    assert IdempotencyKey.objects.count() == 0
    good = post(staff, "/tickets", ticket_body(acme), "k-1")
    assert good.status_code == 201
    assert "Idempotent-Replayed" not in good
    assert Ticket.objects.count() == 1


def test_a_key_expires_after_a_day_and_old_keys_are_deleted(staff, acme, clock):
    """Within 24 h a replay; after it, the same request creates again, and the expired row
    is gone (each stored answer deletes the expired ones)."""
    start = ny(2025, 6, 2, 8)  # where the API tests' clock stands
    post(staff, "/tickets", ticket_body(acme), "k-1")
    post(staff, "/tickets", ticket_body(acme), "old")
    clock.at(start + timedelta(hours=23, minutes=59))
    assert post(staff, "/tickets", ticket_body(acme), "k-1")["Idempotent-Replayed"] == "true"
    clock.at(start + timedelta(hours=24))
    fresh = post(staff, "/tickets", ticket_body(acme), "k-1")
    assert fresh.status_code == 201
    assert "Idempotent-Replayed" not in fresh
    assert Ticket.objects.count() == 3
    assert sorted(IdempotencyKey.objects.values_list("key", flat=True)) == ["k-1"]


@pytest.mark.parametrize("key", ["", "x" * 256, "clé"])
def test_a_malformed_key_is_a_422(staff, acme, key):
    response = staff.client.post(
        BASE + "/tickets",
        ticket_body(acme),
        content_type="application/json",
        headers={"Idempotency-Key": key},
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["header", "Idempotency-Key"]
    assert Ticket.objects.count() == 0


def test_every_create_documents_the_header(staff):
    """The header is in the schema of every POST that creates (201), and only there."""
    schema = staff.get("/openapi.json").json()
    documented = {
        op["operationId"]
        for path in schema["paths"].values()
        for op in path.values()
        if any(p["name"] == "Idempotency-Key" for p in op.get("parameters", []))
    }
    creates = {
        op["operationId"]
        for path in schema["paths"].values()
        for method, op in path.items()
        if method == "post" and "201" in op["responses"]
    }
    assert documented == creates
    assert "tickets_create" in creates


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_concurrent_duplicate_waits_and_replays_the_winner(staff, acme):
    """Another transaction holds the (user, key) row uncommitted: the duplicate opens its
    ticket, blocks on the unique index, then rolls its ticket back and replays the winner."""
    if connection.vendor != "postgresql":
        pytest.skip("row-level waits on a unique index need PostgreSQL")
    body = ticket_body(acme)
    request = RequestFactory().post(BASE + "/tickets", body, content_type="application/json")
    stored = b'{"id": 4242, "from": "the winner"}'
    settings = connection.settings_dict
    winner = psycopg.connect(
        dbname=settings["NAME"],
        user=settings["USER"],
        host=settings["HOST"],
        port=settings["PORT"] or 5432,
    )
    answers = []

    def send() -> None:
        try:
            answers.append(post(staff, "/tickets", body, "race"))
        finally:
            connections.close_all()

    duplicate = threading.Thread(target=send, daemon=True)
    try:
        winner.execute(
            "INSERT INTO api_idempotencykey (user_id, key, fingerprint, status, content_type,"
            " body, created_at, expires_at) VALUES (%s, 'race', %s, 201, 'application/json',"
            " %s, now(), now() + interval '1 day')",
            (acme.agent.pk, fingerprint(request), stored),
        )
        duplicate.start()
        waiting = 0
        while duplicate.is_alive():  # until the duplicate's INSERT waits on the winner's row
            # (activity statistics are a snapshot per transaction: take a fresh one)
            winner.execute("SELECT pg_stat_clear_snapshot()")
            waiting = winner.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
                " AND datname = current_database()"
            ).fetchone()[0]
            if waiting:
                break
        assert waiting == 1
        winner.commit()
    finally:
        winner.close()
        duplicate.join(timeout=30)
    [answer] = answers
    assert answer.status_code == 201
    assert answer.content == stored
    assert answer["Idempotent-Replayed"] == "true"
    assert Ticket.objects.count() == 0  # the duplicate's own ticket was rolled back
