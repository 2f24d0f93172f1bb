"""Bad input is a 400 with the reason and stores nothing; a wrong token is a 401."""

from __future__ import annotations

import pytest

from servicepact.monitoring.models import Alert, AlertSource, AlertTransition, Outage
from servicepact.monitoring.services import create_alert_source, rotate_source_token
from servicepact.tickets.models import Ticket, TicketEvent
from servicepact.tickets.testing import world

from .conftest import am_alert, am_payload, post_json, sample, utc

pytestmark = [pytest.mark.django_db]

ALERTS = "/api/v1/alerts/alertmanager"


def nothing_stored() -> bool:
    return not (
        Alert.objects.exists()
        or AlertTransition.objects.exists()
        or Outage.objects.exists()
        or Ticket.objects.exists()
        or TicketEvent.objects.exists()
    )


@pytest.fixture
def token(clock):
    clock.at(utc(2025, 6, 10, 18, 1))
    w = world()
    _, raw = create_alert_source(name="prom", kind="alertmanager", customer=w.customer)
    return raw


def test_invalid_json_is_400(client, token):
    response = post_json(client, ALERTS, "{not json", token)
    assert response.status_code == 400
    assert response.json()["detail"].startswith("body: not valid JSON")
    assert nothing_stored()


def test_one_bad_alert_rejects_the_whole_delivery(client, token):
    """The first alert is fine, the second has a naive startsAt: 400 naming it, nothing stored."""
    good = am_alert("aaa", "firing", utc(2025, 6, 10, 18, 0), instance="acme-srv01:9100")
    bad = am_alert("bbb", "firing", utc(2025, 6, 10, 18, 0), instance="acme-srv01:9100")
    bad["startsAt"] = "2025-06-10T18:00:00"
    response = post_json(client, ALERTS, am_payload(good, bad), token)
    assert response.status_code == 400
    assert response.json() == {
        "detail": "alerts[1].startsAt: timestamp '2025-06-10T18:00:00' has no UTC offset"
    }
    assert nothing_stored()


def test_wrong_version_is_400(client, token):
    payload = sample("alertmanager", "firing_group.json")
    payload["version"] = "3"
    response = post_json(client, ALERTS, payload, token)
    assert response.status_code == 400
    assert response.json()["detail"] == "version: expected \"4\" (Alertmanager webhook), got '3'"
    assert nothing_stored()


@pytest.mark.parametrize("header", [None, "Bearer spsrc_wrong", "Basic dXNlcjpwdw=="])
def test_wrong_or_missing_token_is_401(client, token, header):
    extra = {"HTTP_AUTHORIZATION": header} if header else {}
    response = client.post(
        ALERTS,
        data=sample("alertmanager", "firing_group.json"),
        content_type="application/json",
        **extra,
    )
    assert response.status_code == 401
    assert response.json() == {"detail": "Unauthorized"}
    assert nothing_stored()


def test_rotated_or_inactive_token_is_401(client, token):
    source = AlertSource.objects.get()
    new = rotate_source_token(source=source)
    payload = sample("alertmanager", "firing_group.json")
    assert post_json(client, ALERTS, payload, token).status_code == 401
    AlertSource.objects.update(is_active=False)
    assert post_json(client, ALERTS, payload, new).status_code == 401
    assert nothing_stored()


def test_token_of_another_kind_is_403_and_unknown_kind_404(client, token):
    """A source posts to its own kind's endpoint only."""
    zabbix = post_json(client, "/api/v1/alerts/zabbix", sample("zabbix", "problem.json"), token)
    assert zabbix.status_code == 403
    assert zabbix.json()["detail"].startswith(
        "this token belongs to the alertmanager source 'prom'"
    )
    unknown = post_json(client, "/api/v1/alerts/nagios", {}, token)
    assert unknown.status_code == 404
    assert nothing_stored()


def test_token_is_stored_hashed_only(token):
    source = AlertSource.objects.get()
    assert token.startswith("spsrc_") and token not in (source.token_hash, source.token_prefix)
    assert len(source.token_hash) == 64 and token.startswith(source.token_prefix)
