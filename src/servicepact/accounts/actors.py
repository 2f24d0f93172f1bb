"""Who does something: the one type of the ``actor`` (and ``author``) parameter of services.

``Actor`` is a signed-in user, or ``None`` for the system (the worker, monitoring, a command).
Views and API handlers pass ``actor_of(request)``: their decorators and authentication let
only signed-in users through, so an anonymous ``request.user`` never reaches a service.
"""

from __future__ import annotations

from typing import TypeAlias

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

Actor: TypeAlias = User | None


def actor_name(actor: Actor) -> str:
    """The actor's username for a record ("system" for ``None`` or an unsaved user)."""
    return actor.get_username() if actor is not None and actor.pk else "system"


def actor_of(request: HttpRequest) -> User:
    """The signed-in user behind ``request`` (``request.user``, typed: never anonymous).

    Raises PermissionDenied for an anonymous request, which the login decorators and the
    API's authentication already turn away; this only makes the guarantee explicit.
    """
    user = request.user
    if not isinstance(user, User) or not user.is_authenticated:
        raise PermissionDenied("sign in first")
    return user
