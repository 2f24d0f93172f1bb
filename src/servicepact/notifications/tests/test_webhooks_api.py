"""/api/v1/webhooks and the admin rotate secrets through rotate_webhook_secret."""

from __future__ import annotations

import base64

import pytest
from django.contrib.auth import get_user_model

from servicepact.accounts.services import create_api_token
from servicepact.notifications.models import WebhookEndpoint
from servicepact.notifications.signing import secret_key

from .conftest import utc

pytestmark = pytest.mark.django_db

T0 = utc(2025, 6, 2, 10)
OLD = "whsec_" + base64.b64encode(b"o" * 32).decode()
NEW = "whsec_" + base64.b64encode(b"n" * 32).decode()


@pytest.fixture
def endpoint():
    return WebhookEndpoint.objects.create(name="chat", url="http://127.0.0.1:9/h", secret=OLD)


def bearer(*, staff: bool) -> dict[str, str]:
    user = get_user_model().objects.create_user("ann" if staff else "bob", is_staff=staff)
    return {"HTTP_AUTHORIZATION": f"Bearer {create_api_token(user=user)[1]}"}


def rotate_url(endpoint_id: int) -> str:
    return f"/api/v1/webhooks/{endpoint_id}/rotate-secret"


def test_staff_rotate_and_end_the_rollover(client, frozen, endpoint):
    """Rotating answers the new secret once and the end of the overlap; the list shows the
    rollover but never a secret; ending the rollover clears it."""
    frozen(T0)
    auth = bearer(staff=True)
    answer = client.post(
        rotate_url(endpoint.pk), {"overlap_hours": 2}, content_type="application/json", **auth
    )
    assert answer.status_code == 200
    body = answer.json()
    endpoint.refresh_from_db()
    assert body == {
        "id": endpoint.pk,
        "name": "chat",
        "url": "http://127.0.0.1:9/h",
        "customer_id": None,
        "active": True,
        "rollover_until": "2025-06-02T12:00:00Z",
        "secret": endpoint.secret,
    }
    assert endpoint.previous_secret == OLD and len(secret_key(endpoint.secret)) == 32

    listing = client.get("/api/v1/webhooks", **auth).json()
    assert listing["count"] == 1
    assert listing["items"][0]["rollover_until"] == "2025-06-02T12:00:00Z"
    assert "secret" not in listing["items"][0]
    assert endpoint.secret not in str(listing)

    ended = client.post(f"/api/v1/webhooks/{endpoint.pk}/end-rollover", **auth)
    assert (ended.status_code, ended.json()["rollover_until"]) == (200, None)
    endpoint.refresh_from_db()
    assert endpoint.previous_secret == ""


def test_a_chosen_secret_is_validated_with_the_field_named(client, frozen, endpoint):
    frozen(T0)
    auth = bearer(staff=True)
    answer = client.post(
        rotate_url(endpoint.pk), {"secret": "hunter2"}, content_type="application/json", **auth
    )
    assert answer.status_code == 422
    assert answer.json()["detail"] == [
        {"loc": ["body", "secret"], "msg": "must start with whsec_", "type": "invalid"}
    ]
    too_long = client.post(
        rotate_url(endpoint.pk), {"overlap_hours": 721}, content_type="application/json", **auth
    )
    assert too_long.status_code == 422
    assert too_long.json()["detail"][0]["loc"][-1] == "overlap_hours"
    endpoint.refresh_from_db()
    assert (endpoint.secret, endpoint.previous_secret) == (OLD, "")

    chosen = client.post(
        rotate_url(endpoint.pk),
        {"secret": NEW, "overlap_hours": 0},
        content_type="application/json",
        **auth,
    )
    assert (chosen.status_code, chosen.json()["secret"], chosen.json()["rollover_until"]) == (
        200,
        NEW,
        None,
    )


def test_who_may_rotate(client, endpoint):
    """Anonymous 401, a non-staff user 403, an unknown endpoint 404; nothing changes. (An
    empty body is allowed: the defaults apply.)"""
    empty = {"content_type": "application/json"}
    assert client.post(rotate_url(endpoint.pk), **empty).status_code == 401
    assert client.get("/api/v1/webhooks").status_code == 401
    contact = bearer(staff=False)
    assert client.post(rotate_url(endpoint.pk), **empty, **contact).status_code == 403
    assert client.get("/api/v1/webhooks", **contact).status_code == 403
    staff = bearer(staff=True)
    assert client.post(rotate_url(endpoint.pk + 1), **empty, **staff).status_code == 404
    endpoint.refresh_from_db()
    assert (endpoint.secret, endpoint.previous_secret) == (OLD, "")
    # The defaults: a random secret, the old one valid for 24 hours.
    assert client.post(rotate_url(endpoint.pk), **empty, **staff).status_code == 200
    endpoint.refresh_from_db()
    assert endpoint.previous_secret == OLD and endpoint.secret != OLD


@pytest.fixture
def plain_static_files(settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


def test_admin_rotates_through_the_service(client, frozen, endpoint, plain_static_files):
    """The admin shows the secret read-only; its action rotates with a 24-hour overlap."""
    frozen(T0)
    client.force_login(get_user_model().objects.create_superuser("root", "r@x.test", "pw"))
    page = client.get(f"/admin/notifications/webhookendpoint/{endpoint.pk}/change/")
    assert page.status_code == 200
    assert OLD.encode() in page.content
    assert b'name="secret"' not in page.content  # shown, not editable
    response = client.post(
        "/admin/notifications/webhookendpoint/",
        {"action": "rotate_secret", "_selected_action": [endpoint.pk]},
    )
    assert response.status_code == 302
    endpoint.refresh_from_db()
    assert endpoint.previous_secret == OLD and endpoint.secret != OLD
    assert endpoint.previous_secret_expires_at == utc(2025, 6, 3, 10)
    client.post(
        "/admin/notifications/webhookendpoint/",
        {"action": "end_rollover", "_selected_action": [endpoint.pk]},
    )
    endpoint.refresh_from_db()
    assert (endpoint.previous_secret, endpoint.previous_secret_expires_at) == ("", None)
