"""GET /api/v1/notifications: staff only, filters, pagination."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from servicepact.accounts.services import create_api_token
from servicepact.core.testing import utc
from servicepact.notifications.models import Notification
from servicepact.notifications.services import Message, enqueue

pytestmark = pytest.mark.django_db

URL = "/api/v1/notifications"


@pytest.fixture
def rows(clock):
    clock.at(utc(2025, 6, 2, 10))
    a = enqueue(
        key="a",
        channel="email",
        recipient="it@acme.test",
        message=Message("e", "A", "b", ticket_id=11),
    )
    b = enqueue(
        key="b",
        channel="webhook",
        recipient="http://x.test",
        message=Message("e", "B", "b", ticket_id=12),
    )
    clock.at(utc(2025, 6, 2, 11))
    c = enqueue(
        key="c", channel="in_app", recipient="ann", message=Message("e", "C", "b", ticket_id=11)
    )
    Notification.objects.filter(pk=b.pk).update(status="dead", attempts=6, last_error="timed out")
    return a, b, c


def test_staff_lists_newest_first_with_filters(client, rows):
    """Staff (session) see every row, newest first; status, channel and ticket filter."""
    a, b, c = rows
    client.force_login(get_user_model().objects.create_user("ann", is_staff=True))
    body = client.get(URL).json()
    assert body["count"] == 3
    assert [i["id"] for i in body["items"]] == [c.pk, b.pk, a.pk]
    assert body["items"][1] | {"created_at": None} == {
        "id": b.pk,
        "channel": "webhook",
        "audience": "staff",
        "event": "e",
        "recipient": "http://x.test",
        "subject": "B",
        "status": "dead",
        "attempts": 6,
        "idempotency_key": "b",
        "ticket_id": 12,
        "contract_id": None,
        "not_before": None,
        "next_attempt_at": "2025-06-02T10:00:00Z",
        "last_error": "timed out",
        "created_at": None,
        "sent_at": None,
    }
    assert [i["id"] for i in client.get(URL, {"status": "dead"}).json()["items"]] == [b.pk]
    assert [i["id"] for i in client.get(URL, {"channel": "email"}).json()["items"]] == [a.pk]
    assert [i["id"] for i in client.get(URL, {"ticket": 11}).json()["items"]] == [c.pk, a.pk]
    page = client.get(URL, {"limit": 1, "offset": 1}).json()
    assert (page["count"], [i["id"] for i in page["items"]]) == (3, [b.pk])


def test_bearer_token_works_for_staff(client, rows):
    user = get_user_model().objects.create_user("bot", is_staff=True)
    _token, raw = create_api_token(user=user)
    response = client.get(URL, headers={"Authorization": f"Bearer {raw}"})
    assert (response.status_code, response.json()["count"]) == (200, 3)


def test_contacts_get_403_and_anonymous_callers_401(client, rows):
    """A logged-in customer user is forbidden; no credentials (or a wrong token) is 401."""
    assert client.get(URL).status_code == 401
    assert client.get(URL, headers={"Authorization": "Bearer sp_wrong"}).status_code == 401
    client.force_login(get_user_model().objects.create_user("it", is_staff=False))
    response = client.get(URL)
    assert response.status_code == 403
    assert response.json() == {"detail": "only provider staff can list notifications"}


def test_unknown_filter_value_is_422(client, rows):
    client.force_login(get_user_model().objects.create_user("ann", is_staff=True))
    assert client.get(URL, {"status": "lost"}).status_code == 422
