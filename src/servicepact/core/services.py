"""Shared write helpers for services: model validation as field errors."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Model

from servicepact.core.errors import DomainValidationError


def save_validated(instance: Model, *, exclude: list[str] | None = None) -> None:
    """Model validation (fields, validators, unique constraints) as field errors, then save."""
    try:
        instance.full_clean(exclude=exclude)
    except ValidationError as exc:
        raise DomainValidationError(exc.message_dict) from exc
    instance.save()


def apply_changes(instance: Model, changes: dict[str, Any]) -> None:
    for name, value in changes.items():
        setattr(instance, name, value)
