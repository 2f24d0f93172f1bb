"""The depots stock is kept at: ``fieldservice.Depot`` (engineers' home depots too), read
here so stock's queries and validation have one place."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from servicepact.core.errors import DomainValidationError
from servicepact.fieldservice.models import Depot

__all__ = ["Depot", "active_depots", "all_depots", "depot_for"]


def all_depots() -> QuerySet[Depot]:
    return Depot.objects.order_by("name")


def active_depots() -> QuerySet[Depot]:
    return all_depots().filter(active=True)


def depot_for(pk: Any, field: str = "depot") -> Depot:
    """An active depot by id, or a 422 naming ``field``."""
    depot = active_depots().filter(pk=pk).first() if isinstance(pk, int) else None
    if depot is None:
        raise DomainValidationError({field: [_("no such active depot")]})
    return depot
