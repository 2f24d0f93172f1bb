"""API tokens: expiry, revocation, the owner's page, the admin action, and a last-use write
at most once a minute."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from servicepact.accounts.models import ApiToken
from servicepact.accounts.services import create_api_token, hash_token, revoke_api_token
from servicepact.accounts.tests.conftest import make_user as user

pytestmark = pytest.mark.django_db
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def bearer(raw: str) -> Client:
    return Client(headers={"Authorization": f"Bearer {raw}"})


def updates(queries: CaptureQueriesContext) -> list[str]:
    return [
        q["sql"] for q in queries.captured_queries if q["sql"].lstrip().upper().startswith("UPDATE")
    ]


def test_a_token_expires_after_the_configured_days_by_default(clock, settings):
    """SERVICEPACT_API_TOKEN_DAYS=30: valid 30 days minus a second after creation, 401 at 30 days."""
    settings.SERVICEPACT = {**settings.SERVICEPACT, "API_TOKEN_DAYS": 30}
    clock.at(T0)
    token, raw = create_api_token(user=user("ann", staff=True))
    assert token.expires_at == T0 + timedelta(days=30)
    clock.at(T0 + timedelta(days=30) - timedelta(seconds=1))
    assert bearer(raw).get("/api/v1/me").status_code == 200
    clock.at(T0 + timedelta(days=30))
    response = bearer(raw).get("/api/v1/me")
    assert response.status_code == 401
    assert response.json() == {"detail": "Unauthorized"}


def test_days_zero_never_expires_and_bad_days_are_refused(clock):
    clock.at(T0)
    owner = user("ann", staff=True)
    token, raw = create_api_token(user=owner, days=0)
    assert token.expires_at is None
    clock.at(T0 + timedelta(days=4000))
    assert bearer(raw).get("/api/v1/me").status_code == 200
    from servicepact.core.errors import DomainValidationError

    with pytest.raises(DomainValidationError) as refused:
        create_api_token(user=owner, days=-1)
    assert refused.value.errors == {"days": ["Between 0 (no expiry) and 3650 days."]}
    assert ApiToken.objects.count() == 1


def test_revoked_token_is_401_and_revoking_twice_keeps_the_first_time(clock):
    clock.at(T0)
    token, raw = create_api_token(user=user("ann", staff=True))
    assert revoke_api_token(token=token) is True
    clock.at(T0 + timedelta(hours=1))
    assert revoke_api_token(token=token) is False
    token.refresh_from_db()
    assert token.revoked_at == T0
    assert bearer(raw).get("/api/v1/me").status_code == 401


def test_only_the_hash_is_stored(clock):
    token, raw = create_api_token(user=user("ann", staff=True), name="ci")
    stored = ApiToken.objects.get(pk=token.pk)
    assert stored.key_hash == hash_token(raw) and len(stored.key_hash) == 64
    assert raw not in {stored.key_hash, stored.prefix, stored.name}
    assert stored.prefix == raw[:10] and len(raw) == 3 + 43  # "sp_" + 32 random bytes


def test_last_use_is_written_at_most_once_a_minute(clock):
    """Two requests 59 s apart write last_used_at once (one UPDATE); at 60 s it writes again."""
    clock.at(T0)
    token, raw = create_api_token(user=user("ann", staff=True))
    api = bearer(raw)
    with CaptureQueriesContext(connection) as first:
        assert api.get("/api/v1/me").status_code == 200
    assert len(updates(first)) == 1
    clock.at(T0 + timedelta(seconds=59))
    with CaptureQueriesContext(connection) as second:
        assert api.get("/api/v1/me").status_code == 200
    assert updates(second) == []
    token.refresh_from_db()
    assert token.last_used_at == T0
    clock.at(T0 + timedelta(seconds=60))
    with CaptureQueriesContext(connection) as third:
        assert api.get("/api/v1/me").status_code == 200
    assert len(updates(third)) == 1
    token.refresh_from_db()
    assert token.last_used_at == T0 + timedelta(seconds=60)


def test_tokens_page_creates_a_token_shown_once_and_lists_it(clock):
    clock.at(T0)
    owner = user("ann", staff=True)
    client = Client()
    client.force_login(owner)
    created = client.post("/account/tokens/", {"name": "nightly export", "expires": "90"})
    assert created.status_code == 200
    secret = created.context["new_secret"]
    token = ApiToken.objects.get(user=owner)
    assert token.key_hash == hash_token(secret)
    assert token.name == "nightly export"
    assert token.expires_at == T0 + timedelta(days=90)
    assert secret in created.content.decode()
    listing = client.get("/account/tokens/")
    page = listing.content.decode()
    assert secret not in page
    assert "nightly export" in page and f"{token.prefix}…" in page and "Active" in page
    assert bearer(secret).get("/api/v1/me").json()["username"] == "ann"


def test_tokens_page_refuses_a_missing_name_and_creates_nothing(clock):
    client = Client()
    client.force_login(user("ann", staff=True))
    response = client.post("/account/tokens/", {"name": "", "expires": "30"})
    assert response.status_code == 400
    assert response.context["form"].errors == {"name": ["This field is required."]}
    assert ApiToken.objects.count() == 0


def test_revoke_is_a_post_on_the_owners_own_token(clock):
    clock.at(T0)
    ann, bob = user("ann", staff=True), user("bob", staff=True)
    token, raw = create_api_token(user=ann, name="a")
    bobs, _ = create_api_token(user=bob, name="b")
    client = Client(enforce_csrf_checks=False)
    client.force_login(ann)
    assert client.get(f"/account/tokens/{token.pk}/revoke/").status_code == 405
    assert client.post(f"/account/tokens/{bobs.pk}/revoke/").status_code == 404
    response = client.post(f"/account/tokens/{token.pk}/revoke/", follow=True)
    assert response.redirect_chain == [("/account/tokens/", 302)]
    assert f"Token {token.prefix}… revoked." in response.content.decode()
    token.refresh_from_db()
    bobs.refresh_from_db()
    assert token.revoked_at == T0 and bobs.revoked_at is None
    assert bearer(raw).get("/api/v1/me").status_code == 401


def test_revoke_needs_the_csrf_token(clock):
    ann = user("ann", staff=True)
    token, _ = create_api_token(user=ann)
    client = Client(enforce_csrf_checks=True)
    client.force_login(ann)
    assert client.post(f"/account/tokens/{token.pk}/revoke/").status_code == 403
    token.refresh_from_db()
    assert token.revoked_at is None


def test_the_pages_need_a_signed_in_user(db):
    response = Client().get("/account/tokens/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_admin_revoke_action_goes_through_the_service(clock):
    clock.at(T0)
    admin = get_superuser()
    live, raw = create_api_token(user=admin, name="live")
    gone, _ = create_api_token(user=admin, name="gone")
    revoke_api_token(token=gone)
    client = Client()
    client.force_login(admin)
    clock.at(T0 + timedelta(minutes=5))
    response = client.post(
        "/admin/accounts/apitoken/",
        {"action": "revoke", "_selected_action": [live.pk, gone.pk]},
        follow=True,
    )
    assert "1 token revoked." in response.content.decode()
    live.refresh_from_db()
    gone.refresh_from_db()
    assert live.revoked_at == T0 + timedelta(minutes=5)
    assert gone.revoked_at == T0
    assert bearer(raw).get("/api/v1/me").status_code == 401


def test_createtoken_takes_days(clock, capsys):
    clock.at(T0)
    user("ann", staff=True)
    call_command("createtoken", "ann", "--name", "ci", "--days", "7")
    raw = capsys.readouterr().out.strip().splitlines()[-1]
    token = ApiToken.objects.get(key_hash=hash_token(raw))
    assert token.expires_at == T0 + timedelta(days=7)


def get_superuser():
    from django.contrib.auth import get_user_model

    return get_user_model().objects.create_superuser("root", "root@example.com", "pw-root")


def test_the_compiled_lookup_reads_what_the_orm_reads(clock):
    """``authenticate_token`` runs the ORM's query compiled once: the user it returns (and the
    token row behind it) equal the ORM's own read, field by field, converters applied (aware
    datetimes on SQLite too); another token is found by the same compiled SQL; an inactive
    user and an unknown token are refused."""
    from django.contrib.auth.models import User

    from servicepact.accounts.services import authenticate_token

    clock.at(T0)
    ann = user("ann", staff=True)
    ann.first_name, ann.last_login = "Ann", T0 - timedelta(days=1)
    ann.save()
    _token, raw = create_api_token(user=ann)
    found = authenticate_token(raw)
    assert isinstance(found, User) and found._state.db == "default"
    expected = User.objects.get(pk=ann.pk)
    for field in User._meta.concrete_fields:
        assert getattr(found, field.attname) == getattr(expected, field.attname), field.name
    assert found.last_login.tzinfo is not None
    bob = user("bob", staff=False)
    _other, raw_bob = create_api_token(user=bob)
    assert authenticate_token(raw_bob) == bob
    bob.is_active = False
    bob.save()
    assert authenticate_token(raw_bob) is None
    assert authenticate_token(raw + "x") is None
