"""The intake's fast path (monitoring/intake.py) answers a plain delivery exactly as the
endpoint does, and leaves every other request to the endpoint: each case is posted twice on
the same data, once through the whole stack and once with ``AlertIntakeMiddleware`` taken
out, and the answers and the inbox rows must be the same."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.http import HttpResponse
from django.test import Client, RequestFactory, override_settings
from django.test.utils import CaptureQueriesContext

from servicepact.monitoring.models import AlertSource, QueuedAlerts
from servicepact.monitoring.services import create_alert_source, rotate_source_token
from servicepact.tickets.testing import world

from .conftest import am_alert, am_payload, sample, utc

pytestmark = [pytest.mark.django_db]

INTAKE = "servicepact.monitoring.intake.AlertIntakeMiddleware"
WITHOUT_INTAKE = override_settings(MIDDLEWARE=[m for m in settings.MIDDLEWARE if m != INTAKE])
QUEUE_ALL = {"ALERT_INLINE_MAX": 0}
T0 = utc(2025, 6, 10, 18, 0)


@pytest.fixture
def setup(clock: Any) -> dict[str, Any]:
    clock.at(utc(2025, 6, 10, 18, 1))
    w = world()
    _, am_token = create_alert_source(name="prom", kind="alertmanager", customer=w.customer)
    _, zabbix_token = create_alert_source(name="zbx", kind="zabbix", customer=w.customer)
    off, off_token = create_alert_source(name="off", kind="alertmanager", customer=w.customer)
    AlertSource.objects.filter(pk=off.pk).update(is_active=False)
    return {"am": am_token, "zabbix": zabbix_token, "off": off_token, "world": w}


def _firing(*fingerprints: str) -> bytes:
    alerts = [am_alert(f, "firing", T0, instance="acme-srv01:9100") for f in fingerprints]
    return json.dumps(am_payload(*alerts)).encode()


def _post(url: str, body: bytes, authorization: str | None) -> Any:
    headers: dict[str, Any] = {"HTTP_AUTHORIZATION": authorization} if authorization else {}
    return Client().post(url, data=body, content_type="application/json", **headers)


def _inbox_after(pk: int) -> list[tuple[Any, ...]]:
    return list(
        QueuedAlerts.objects.filter(pk__gt=pk)
        .order_by("pk")
        .values_list("source_id", "received_at", "position", "alerts", "alert_count", "attempts")
    )


def _both(send: Callable[[], Any]) -> tuple[Any, Any]:
    """(status, JSON body, inbox rows added) with the intake, then without it (the rows of
    the first are removed before the second, so both start from the same inbox)."""
    answers = []
    for wrapper in (override_settings(), WITHOUT_INTAKE):
        last = QueuedAlerts.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        with wrapper:
            response = send()
        answers.append((response.status_code, response.json(), _inbox_after(last)))
        QueuedAlerts.objects.filter(pk__gt=last).delete()
    return answers[0], answers[1]


def _cases(tokens: dict[str, str]) -> dict[str, Callable[[], Any]]:
    am, url = tokens["am"], "/api/v1/alerts/alertmanager"
    nul = {**am_alert("bad", "firing", T0), "annotations": {"summary": "a\u0000b"}}
    rejected = am_payload(am_alert("ok", "firing", T0, instance="acme-srv01:9100"), nul)
    only_bad = am_payload(nul)
    bad_instant = am_payload({**am_alert("bad", "firing", T0), "startsAt": "yesterday"})
    big = {"ALERT_MAX_BODY": 100, **QUEUE_ALL}
    return {
        "plain": lambda: _post(url, _firing("a", "b"), f"Bearer {am}"),
        "scheme in lower case": lambda: _post(url, _firing("a"), f"bearer {am}"),
        "zabbix sample": lambda: _post(
            "/api/v1/alerts/zabbix",
            json.dumps(sample("zabbix", "problem.json")).encode(),
            f"Bearer {tokens['zabbix']}",
        ),
        "no token": lambda: _post(url, _firing("a"), None),
        "unknown token": lambda: _post(url, _firing("a"), f"Bearer x{am}"),
        "token with a space": lambda: _post(url, _firing("a"), f"Bearer {am} x"),
        "other scheme": lambda: _post(url, _firing("a"), f"Token {am}"),
        "inactive source": lambda: _post(url, _firing("a"), f"Bearer {tokens['off']}"),
        "token of another kind": lambda: _post(url, _firing("a"), f"Bearer {tokens['zabbix']}"),
        "unknown kind": lambda: _post("/api/v1/alerts/nagios", _firing("a"), f"Bearer {am}"),
        "malformed JSON": lambda: _post(url, b'{"alerts": [', f"Bearer {am}"),
        "not an Alertmanager body": lambda: _post(url, b'{"alerts": 3}', f"Bearer {am}"),
        "an alert rejected": lambda: _post(url, json.dumps(rejected).encode(), f"Bearer {am}"),
        "every alert rejected": lambda: _post(url, json.dumps(only_bad).encode(), f"Bearer {am}"),
        "bad instant": lambda: _post(url, json.dumps(bad_instant).encode(), f"Bearer {am}"),
        "declared body over the limit": lambda: _with(
            big, _post, url, _firing("a"), f"Bearer {am}"
        ),
        "stored inline": lambda: _with(
            {"ALERT_INLINE_MAX": 10}, _post, url, _firing("a"), f"Bearer {am}"
        ),
    }


def _with(options: dict[str, Any], send: Callable[..., Any], *args: Any) -> Any:
    with override_settings(SERVICEPACT={**settings.SERVICEPACT, **options}):
        return send(*args)


@pytest.mark.parametrize(
    "case",
    [
        "plain", "scheme in lower case", "zabbix sample", "no token", "unknown token",
        "token with a space", "other scheme", "inactive source", "token of another kind",
        "unknown kind", "malformed JSON", "not an Alertmanager body", "an alert rejected",
        "every alert rejected", "bad instant", "declared body over the limit", "stored inline",
    ],
)  # fmt: skip
def test_the_same_answer_and_rows_with_and_without_the_fast_path(setup, case):
    with override_settings(SERVICEPACT={**settings.SERVICEPACT, **QUEUE_ALL}):
        fast, endpoint = _both(_cases(setup)[case])
    assert fast == endpoint
    if case in ("plain", "scheme in lower case", "zabbix sample", "an alert rejected"):
        assert fast[0] == 202 and len(fast[2]) == 1  # queued: the cases are not vacuous
    if case == "stored inline":
        assert fast[0] == 200 and fast[2] == []


def test_a_plain_delivery_is_queued_with_two_statements(setup):
    """The fast path answers a sender's first delivery: the token lookup and the INSERT, no
    ORM query of the source, no session or other middleware query."""
    with (
        override_settings(SERVICEPACT={**settings.SERVICEPACT, **QUEUE_ALL}),
        CaptureQueriesContext(connection) as queries,
    ):
        response = _post("/api/v1/alerts/alertmanager", _firing("a"), f"Bearer {setup['am']}")
    assert response.status_code == 202
    assert len(queries) == 2, [q["sql"] for q in queries]
    assert "token_hash" in queries[0]["sql"] and queries[1]["sql"].startswith("INSERT")


def _known_sender(setup: dict[str, Any]) -> tuple[Client, Callable[[], Any]]:
    """A client (one middleware instance, as one gunicorn worker) that has delivered once."""
    client = Client()

    def send() -> Any:
        return client.post(
            "/api/v1/alerts/alertmanager",
            data=_firing("a"),
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {setup['am']}",
        )

    assert send().status_code == 202
    return client, send


@override_settings(SERVICEPACT={**settings.SERVICEPACT, **QUEUE_ALL})
def test_a_known_senders_delivery_is_one_statement_that_checks_the_token(setup):
    _, send = _known_sender(setup)
    with CaptureQueriesContext(connection) as queries:
        assert send().status_code == 202
    assert len(queries) == 1, [q["sql"] for q in queries]
    sql = queries[0]["sql"]
    assert sql.startswith("INSERT") and "token_hash" in sql and "is_active" in sql
    assert QueuedAlerts.objects.count() == 2


@override_settings(SERVICEPACT={**settings.SERVICEPACT, **QUEUE_ALL})
@pytest.mark.parametrize("change", ["deactivated", "token rotated", "kind changed"])
def test_a_source_changed_after_its_first_delivery_is_refused_at_once(setup, change):
    """The process remembers the source of a token it saw active; the INSERT checks the
    token again, so nothing is queued and the endpoint answers as for any refused token."""
    _, send = _known_sender(setup)
    source = AlertSource.objects.get(kind="alertmanager", is_active=True)
    if change == "deactivated":
        AlertSource.objects.filter(pk=source.pk).update(is_active=False)
    elif change == "token rotated":
        rotate_source_token(source=source)
    else:
        AlertSource.objects.filter(pk=source.pk).update(kind="generic")
    queued = QueuedAlerts.objects.count()
    refused = send()
    assert QueuedAlerts.objects.count() == queued  # nothing written
    with WITHOUT_INTAKE:
        endpoint = send()
    assert refused.status_code in (401, 403)
    assert (refused.status_code, refused.json()) == (endpoint.status_code, endpoint.json())
    assert QueuedAlerts.objects.count() == queued


@override_settings(SERVICEPACT={**settings.SERVICEPACT, **QUEUE_ALL})
def test_only_tokens_found_active_are_remembered_and_never_more_than_the_bound(setup, monkeypatch):
    from servicepact.monitoring import intake

    monkeypatch.setattr(intake, "KNOWN_SOURCES", 2)
    middleware = intake.AlertIntakeMiddleware(lambda request: HttpResponse(status=418))
    factory = RequestFactory()

    def deliver(token: str) -> int:
        request = factory.post(
            "/api/v1/alerts/alertmanager",
            data=_firing("a"),
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {token}",
        )
        return middleware(request).status_code

    assert deliver("x-unknown") == 418 and deliver(setup["off"]) == 418  # left to the endpoint
    assert middleware._sources == {}
    others = [
        create_alert_source(name=f"p{i}", kind="alertmanager", customer=setup["world"].customer)[1]
        for i in range(3)
    ]
    for token in (setup["am"], *others):
        assert deliver(token) == 202
        assert 1 <= len(middleware._sources) <= 2


@override_settings(SERVICEPACT={**settings.SERVICEPACT, **QUEUE_ALL})
def test_a_delivery_of_several_inbox_rows_is_queued_alike(setup, monkeypatch):
    """Over ``CHUNK`` alerts: several rows in the one checked INSERT, the same rows as the
    endpoint writes."""
    from servicepact.monitoring import inbox

    monkeypatch.setattr(inbox, "CHUNK", 2)
    body = _firing("a", "b", "c", "d", "e")
    fast, endpoint = _both(
        lambda: _post("/api/v1/alerts/alertmanager", body, f"Bearer {setup['am']}")
    )
    assert fast == endpoint
    assert fast[0] == 202 and [row[2] for row in fast[2]] == [0, 2, 4]
