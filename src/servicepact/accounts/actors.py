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

from servicepact.accounts.choices import StaffRole

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


# Who decides money given back to a customer (service credits, force majeure, satisfaction
# guarantee claims): service managers, billing and superusers. The one rule; billing's
# ``may_decide_credits`` and aftercare's claims both ask it.
MONEY_ROLES = frozenset({StaffRole.SERVICE_MANAGER, StaffRole.BILLING})


def may_decide_money(actor: Actor) -> bool:
    """Whether ``actor`` decides credits, force majeure and guarantee claims."""
    if getattr(actor, "is_superuser", False):
        return True
    profile = getattr(actor, "staff_profile", None) if getattr(actor, "is_staff", False) else None
    return profile is not None and profile.role in MONEY_ROLES
