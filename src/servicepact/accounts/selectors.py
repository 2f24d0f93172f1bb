"""Reads about users that several UIs need."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ObjectDoesNotExist


def staff_timezone(user: Any) -> str:
    """A staff member's own zone (StaffProfile.timezone), UTC without a profile: the zone the
    desk and the dashboard show times in."""
    try:
        return user.staff_profile.timezone or "UTC"
    except (ObjectDoesNotExist, AttributeError):
        return "UTC"
