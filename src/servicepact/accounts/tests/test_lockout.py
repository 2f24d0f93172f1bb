"""Login throttling (django-axes) through the real login form: failures per username + IP,
a 429 login page that says how long to wait, and the cool-off from settings."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from axes.models import AccessAttempt
from django.contrib import admin
from django.core.management import call_command
from django.test import Client

from servicepact.accounts.tests.conftest import make_user as user

pytestmark = pytest.mark.django_db
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _limits(settings):
    settings.AXES_FAILURE_LIMIT = 3
    settings.AXES_COOLOFF_TIME = timedelta(minutes=15)


def attempt(password: str, *, username: str = "ann", ip: str = "203.0.113.7"):
    client = Client(REMOTE_ADDR=ip)
    return client.post("/login/", {"username": username, "password": password})


def test_third_failure_locks_out_with_a_429_and_the_wait(clock):
    clock.at(T0)
    user("ann", staff=True)
    for _ in range(2):
        refused = attempt("wrong")
        assert refused.status_code == 200
        assert "That user name and password do not match" in refused.content.decode()
    locked = attempt("wrong")
    assert locked.status_code == 429
    page = locked.content.decode()
    assert "Too many failed attempts. Try again in 15 minutes." in page
    assert 'name="username"' in page and 'value="ann"' in page  # the login form, refilled
    assert AccessAttempt.objects.get(username="ann").failures_since_start == 3


def test_right_password_is_refused_until_the_cool_off_then_allowed(clock):
    clock.at(T0)
    user("ann", staff=True)
    for _ in range(3):
        attempt("wrong")
    clock.at(T0 + timedelta(minutes=14, seconds=59))
    during = attempt("pw-ann")
    assert during.status_code == 429
    assert "_auth_user_id" not in during.client.session
    # The refused attempt restarted the cool-off: 15 minutes from 09:14:59.
    clock.at(T0 + timedelta(minutes=29, seconds=58))
    assert attempt("pw-ann").status_code == 429
    clock.at(T0 + timedelta(minutes=44, seconds=59))
    after = attempt("pw-ann")
    assert after.status_code == 302 and after["Location"] == "/"
    assert after.client.session["_auth_user_id"] == str(user_pk("ann"))
    assert not AccessAttempt.objects.filter(username="ann").exists()  # reset on success


def test_lockout_is_per_username_and_ip(clock):
    clock.at(T0)
    user("ann", staff=True)
    user("bob", staff=True)
    for _ in range(3):
        attempt("wrong")
    assert attempt("pw-ann").status_code == 429
    # The same user from another address, and another user from the same address, get in.
    assert attempt("pw-ann", ip="198.51.100.2").status_code == 302
    assert attempt("pw-bob", username="bob").status_code == 302


def test_admin_login_is_throttled_too(clock):
    clock.at(T0)
    get_user_model_create_superuser()
    client = Client(REMOTE_ADDR="203.0.113.7")
    for _ in range(3):
        client.post("/admin/login/", {"username": "root", "password": "wrong"})
    response = client.post(
        "/admin/login/?next=/admin/", {"username": "root", "password": "pw-root"}
    )
    assert response.status_code == 429


def test_axes_reset_and_the_admin_unlock(clock):
    """`servicepact axes_reset` clears every lockout; the admin lists attempts and deletes them."""
    clock.at(T0)
    user("ann", staff=True)
    for _ in range(3):
        attempt("wrong")
    assert admin.site.is_registered(AccessAttempt)
    root = get_user_model_create_superuser()
    staff = Client()
    staff.force_login(root)
    listing = staff.get("/admin/axes/accessattempt/")
    assert listing.status_code == 200 and "203.0.113.7" in listing.content.decode()
    pk = AccessAttempt.objects.get(username="ann").pk
    deleted = staff.post(
        "/admin/axes/accessattempt/",
        {"action": "delete_selected", "_selected_action": [pk], "post": "yes"},
    )
    assert deleted.status_code == 302
    assert attempt("pw-ann").status_code == 302

    for _ in range(3):
        attempt("wrong", username="bob")
    call_command("axes_reset", verbosity=0)
    assert not AccessAttempt.objects.exists()


def test_behind_a_proxy_the_client_is_the_last_forwarded_address(clock, settings):
    from django.test import RequestFactory

    from servicepact.accounts.throttle import client_ip

    request = RequestFactory().get(
        "/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.9"
    )
    assert client_ip(request) == "10.0.0.1"  # header ignored unless behind a proxy
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    assert client_ip(request) == "203.0.113.9"  # the proxy's own entry, not the forged one


def user_pk(username: str) -> int:
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(username=username).pk


def get_user_model_create_superuser():
    from django.contrib.auth import get_user_model

    return get_user_model().objects.create_superuser("root", "root@example.com", "pw-root")


def test_the_test_clients_login_still_works_without_a_request():
    """Client.login() authenticates without a request; the lockout check lets it through."""
    user("ann")
    client = Client()
    assert client.login(username="ann", password="pw-ann") is True
    assert client.login(username="ann", password="wrong") is False
