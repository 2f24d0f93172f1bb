"""Domain errors that the API and the UI translate into HTTP answers.

- ``TransitionError`` (409): the object exists and is visible, but the state forbids the action.
- ``DomainValidationError`` (422): the input is wrong; ``errors`` maps field -> messages.
- ``PermissionDenied`` (403): visible but not allowed (Django's own exception is reused).
"""

from __future__ import annotations

import re
from typing import Any


class TransitionError(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class DomainValidationError(Exception):
    def __init__(self, errors: dict[str, list[str]] | str, field: str = "__all__") -> None:
        if isinstance(errors, str):
            errors = {field: [errors]}
        self.errors = errors
        super().__init__("; ".join(f"{k}: {' '.join(v)}" for k, v in errors.items()))


_PART = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def field_loc(field: str, source: str = "body") -> list[Any]:
    """``"kpis[0].target"`` -> ``["body", "kpis", 0, "target"]``; ``"__all__"`` -> ``["body"]``."""
    if field in ("", "__all__"):
        return [source]
    parts: list[Any] = [source]
    for name, index in _PART.findall(field):
        parts.append(int(index) if index else name)
    return parts


def field_errors(errors: dict[str, list[str]], source: str = "body") -> list[dict[str, Any]]:
    """The API's 422 ``detail``: one ``{"loc", "msg", "type"}`` per message (docs/api.md)."""
    return [
        {"loc": field_loc(field, source), "msg": str(msg), "type": "invalid"}
        for field, messages in errors.items()
        for msg in messages
    ]
