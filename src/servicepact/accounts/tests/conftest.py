from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model


def make_user(username: str, *, staff: bool = False) -> Any:
    """A user whose password is ``pw-<username>`` (accounts may not import tickets.testing)."""
    return get_user_model().objects.create_user(
        username=username,
        password="pw-" + username,
        is_staff=staff,
        email=f"{username}@example.com",
    )
