"""ServicePact's own settings (``settings.SERVICEPACT``), read at call time so tests can
override them; a missing key falls back to the caller's default."""

from __future__ import annotations

from typing import Any

from django.conf import settings


def option(name: str, default: Any = None) -> Any:
    return getattr(settings, "SERVICEPACT", {}).get(name, default)
