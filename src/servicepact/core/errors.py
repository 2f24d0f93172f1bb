"""Domain errors that the API and the UI translate into HTTP answers.

- ``TransitionError`` (409): the object exists and is visible, but the state forbids the action.
- ``DomainValidationError`` (422): the input is wrong; ``errors`` maps field -> messages.
- ``PermissionDenied`` (403): visible but not allowed (Django's own exception is reused).
"""

from __future__ import annotations


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
