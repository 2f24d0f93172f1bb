"""``actor_of(request)``: the signed-in user a view or API handler passes to a service."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import PermissionDenied
from django.test import RequestFactory

from servicepact.accounts.actors import actor_of

pytestmark = pytest.mark.django_db


def test_the_signed_in_user_is_the_actor():
    user = User.objects.create_user("ann", password="x")
    request = RequestFactory().get("/")
    request.user = user
    assert actor_of(request) == user


def test_an_anonymous_request_has_no_actor():
    """The login decorators turn anonymous callers away first; this only makes it explicit."""
    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    with pytest.raises(PermissionDenied):
        actor_of(request)
