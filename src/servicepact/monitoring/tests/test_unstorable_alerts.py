"""An alert ServicePact cannot store is rejected alone, naming the field; the other alerts of
the same delivery are stored. Never a 500. (Run on SQLite and, with DATABASE_URL, PostgreSQL:
PostgreSQL refuses NUL characters and overlong fingerprints that SQLite would take.)"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import given, settings
from hypothesis import strategies as st

from servicepact.monitoring.models import Alert, AlertSource, AlertTransition, Outage
from servicepact.monitoring.services import create_alert_source
from servicepact.monitoring.sources.base import _storable, plainly_storable
from servicepact.tickets.models import Ticket
from servicepact.tickets.testing import world

from .conftest import am_alert, am_payload, post_json, sample, utc

pytestmark = [pytest.mark.django_db]

ALERTS = "/api/v1/alerts/alertmanager"
STARTS = utc(2025, 6, 10, 18, 0)


@pytest.fixture
def token(clock):
    clock.at(utc(2025, 6, 10, 18, 1))
    w = world()
    _, raw = create_alert_source(name="prom", kind="alertmanager", customer=w.customer)
    return raw


def good() -> dict:
    return am_alert("good", "firing", STARTS, instance="acme-srv01:9100")


def bad(**changes) -> dict:
    alert = am_alert("bad", "firing", STARTS, instance="acme-srv01:9100")
    alert.update(changes)
    return alert


def stored_fingerprints() -> list[str]:
    return sorted(Alert.objects.values_list("fingerprint", flat=True))


@pytest.mark.parametrize(
    ("alert", "field", "reason"),
    [
        (
            bad(labels={"alertname": "X", "job": "no\x00de"}),
            "alerts[1].labels.job",
            "contains a NUL character or an invalid code point",
        ),
        (
            bad(annotations={"summary": "lone \ud800 surrogate"}),
            "alerts[1].annotations.summary",
            "contains a NUL character or an invalid code point",
        ),
        (
            bad(labels={"alertname": "X", "a\x00b": "c"}),
            "alerts[1].labels (a key)",
            "contains a NUL character or an invalid code point",
        ),
        (bad(fingerprint="f" * 300), "alerts[1].fingerprint", "at most 200 characters, got 300"),
        (
            bad(startsAt="0001-01-01T00:00:00Z"),
            "alerts[1].startsAt",
            "0001-01-01T00:00:00+00:00 is outside 1970..2999",
        ),
        (
            bad(startsAt="9999-12-31T23:59:59Z"),
            "alerts[1].startsAt",
            "9999-12-31T23:59:59+00:00 is outside 1970..2999",
        ),
        (
            bad(startsAt="0001-01-01T00:30:00+01:00"),
            "alerts[1].startsAt",
            "'0001-01-01T00:30:00+01:00' is outside 1970..2999",
        ),
        (
            bad(status="resolved", endsAt="9999-12-31T23:59:59Z"),
            "alerts[1].endsAt",
            "9999-12-31T23:59:59+00:00 is outside 1970..2999",
        ),
    ],
)
def test_the_bad_alert_is_rejected_and_the_good_one_stored(client, token, alert, field, reason):
    response = post_json(client, ALERTS, am_payload(good(), alert), token)
    assert response.status_code == 200
    ticket = Ticket.objects.get()
    assert response.json() == {
        "accepted": 1,
        "tickets": [ticket.pk],
        "unmatched": 0,
        "rejected": [{"index": 1, "field": field, "reason": reason}],
    }
    assert stored_fingerprints() == ["good"]
    assert AlertTransition.objects.count() == 1 and Outage.objects.count() == 1


def test_a_delivery_of_only_bad_alerts_is_a_400_listing_each(client, token):
    payload = am_payload(bad(fingerprint="f" * 201), bad(labels={"alertname": "\x00"}))
    response = post_json(client, ALERTS, payload, token)
    assert response.status_code == 400
    assert response.json() == {
        "detail": "alerts[0].fingerprint: at most 200 characters, got 201",
        "rejected": [
            {
                "index": 0,
                "field": "alerts[0].fingerprint",
                "reason": "at most 200 characters, got 201",
            },
            {
                "index": 1,
                "field": "alerts[1].labels.alertname",
                "reason": "contains a NUL character or an invalid code point",
            },
        ],
    }
    assert not Alert.objects.exists() and not Ticket.objects.exists()
    assert AlertSource.objects.get().last_used_at is None


def test_a_fingerprint_of_exactly_200_characters_is_stored(client, token):
    response = post_json(client, ALERTS, am_payload(bad(fingerprint="f" * 200)), token)
    assert response.status_code == 200
    assert stored_fingerprints() == ["f" * 200]


def test_json_nested_10000_deep_is_a_400_naming_the_body(client, token):
    body = '{"alerts": ' + "[" * 10_000 + "]" * 10_000 + "}"
    response = post_json(client, ALERTS, body, token)
    assert response.status_code == 400
    assert response.json() == {"detail": "body: JSON nested deeper than 32 levels"}
    assert not Alert.objects.exists()


def test_json_33_deep_is_refused_and_a_real_payload_is_not(client, token):
    deep = am_payload(good())
    deep["groupLabels"] = {"x": _nested(31)}  # body 1 + groupLabels 1 + 31 = 33 levels
    response = post_json(client, ALERTS, deep, token)
    assert response.status_code == 400
    assert response.json() == {"detail": "body: JSON nested deeper than 32 levels"}
    ok = am_payload(good())
    ok["groupLabels"] = {"x": _nested(30)}  # 32 levels: the limit itself (ignored field)
    assert post_json(client, ALERTS, ok, token).status_code == 200


def _nested(levels: int) -> list:
    value: list = []
    for _ in range(levels - 1):
        value = [value]
    return value


def test_generic_id_of_300_characters_is_rejected_alone(client, clock):
    clock.at(utc(2025, 6, 10, 18, 1))
    w = world()
    _, raw = create_alert_source(name="gen", kind="generic", customer=w.customer)
    item = {"status": "firing", "name": "Down", "started_at": "2025-06-10T18:00:00Z"}
    payload = {"alerts": [{**item, "id": "x" * 300}, {**item, "id": "ok", "host": "acme-srv01"}]}
    response = post_json(client, "/api/v1/alerts/generic", payload, raw)
    assert response.status_code == 200
    assert response.json()["rejected"] == [
        {"index": 0, "field": "alerts[0].id", "reason": "at most 200 characters, got 300"}
    ]
    assert response.json()["accepted"] == 1
    assert stored_fingerprints() == ["ok"]


@pytest.fixture
def zabbix(clock):
    clock.at(utc(2025, 6, 10, 18, 1))
    w = world()
    _, raw = create_alert_source(name="zbx", kind="zabbix", customer=w.customer)
    return raw


@pytest.mark.parametrize(
    ("field", "value", "reason"),
    [
        ("event_timestamp", "9" * 20, f"{'9' * 20} is outside 1970..2999"),
        ("event_timestamp", "32503680000", "32503680000 is outside 1970..2999"),
        ("event_id", "1" * 200, "at most 200 characters, got 213"),
        ("event_name", "Disk\x00full", "contains a NUL character or an invalid code point"),
    ],
)
def test_zabbix_unstorable_message_is_a_400_naming_the_field(client, zabbix, field, value, reason):
    data = sample("zabbix", "problem.json")
    data[field] = value
    response = post_json(client, "/api/v1/alerts/zabbix", data, zabbix)
    assert response.status_code == 400
    assert response.json() == {
        "detail": f"body.{field}: {reason}",
        "rejected": [{"index": 0, "field": f"body.{field}", "reason": reason}],
    }
    assert not Alert.objects.exists() and not Ticket.objects.exists()


def test_zabbix_unicode_digits_are_not_a_timestamp(client, zabbix):
    data = sample("zabbix", "problem.json")
    data["event_timestamp"] = "١٧٤٩٥٧٨٤٠٠"  # Arabic-Indic digits: str.isdigit() says yes
    response = post_json(client, "/api/v1/alerts/zabbix", data, zabbix)
    assert response.status_code == 400
    assert response.json()["detail"].startswith("body.event_timestamp: expected a UNIX timestamp")


@pytest.mark.parametrize("hint", ["²", "9" * 30])
def test_an_asset_label_that_is_no_id_leaves_the_alert_unmatched(client, token, hint):
    """'²' passes str.isdigit() and 30 digits overflow a bigint: neither is an asset id."""
    alert = am_alert("odd", "firing", STARTS, servicepact_asset=hint)
    response = post_json(client, ALERTS, am_payload(alert), token)
    assert response.status_code == 200
    assert response.json()["unmatched"] == 1
    assert Alert.objects.get().match_note == f"servicepact_asset={hint} matches no asset of Acme"


def test_alerts_on_the_same_host_share_one_matching(client, token):
    """Ten alerts naming one host: the hostname is looked up once, all are on the asset."""
    alerts = [am_alert(f"fp{i}", "firing", STARTS, instance="acme-srv01:9100") for i in range(10)]
    with CaptureQueriesContext(connection) as queries:
        response = post_json(client, ALERTS, am_payload(*alerts), token)
    lookups = [
        q["sql"]
        for q in queries.captured_queries
        if "assets_asset" in q["sql"] and "hostname" in q["sql"] and "acme-srv01" in q["sql"]
    ]
    assert len(lookups) == 1, lookups
    assert response.status_code == 200 and response.json()["unmatched"] == 0
    assert set(Alert.objects.values_list("asset__hostname", flat=True)) == {"acme-srv01"}


# The delivery-wide screen (``plainly_storable``) lets a delivery skip the per-string walk;
# it must never clear a value the walk would refuse, and text that only looks like an
# escape of a NUL or a surrogate is still stored.

_json_text = st.text(st.characters(codec=None, categories=None), max_size=12)
_json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | _json_text,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_json_text, inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=400, deadline=None)
@given(_json_values)
def test_the_screen_never_clears_what_the_walk_refuses(value):
    if plainly_storable(value):
        assert _storable(value)


@pytest.mark.parametrize(
    "value",
    ["a\x00b", "lone \ud800", "lone \udfff", {"k\x00": "v"}, [["x", {"y": "\udc00"}]]],
)
def test_the_screen_sends_nul_and_surrogates_to_the_walk(value):
    assert not plainly_storable(value) and not _storable(value)


@pytest.mark.parametrize("text", ["disk full \U0001f525", "C:\\u0000x \\ud800", "磁盘已满"])
def test_text_that_only_looks_unstorable_is_stored(client, token, text):
    """An emoji is a surrogate pair in ASCII JSON, a backslash then "u0000" is an escape's
    look-alike: the screen sends both to the walk, which finds nothing to refuse."""
    alert = bad(annotations={"summary": text})
    response = post_json(client, ALERTS, am_payload(good(), alert), token)
    assert response.status_code == 200
    assert "rejected" not in response.json()
    assert Alert.objects.get(fingerprint="bad").summary == text


def test_an_emoji_does_not_hide_a_nul_in_the_same_delivery(client, token):
    fine = bad(fingerprint="emoji", annotations={"summary": "\U0001f525"})
    nul = bad(labels={"alertname": "X", "job": "no\x00de"})
    response = post_json(client, ALERTS, am_payload(good(), fine, nul), token)
    assert response.status_code == 200
    assert response.json()["rejected"] == [
        {
            "index": 2,
            "field": "alerts[2].labels.job",
            "reason": "contains a NUL character or an invalid code point",
        }
    ]
    assert stored_fingerprints() == ["emoji", "good"]
