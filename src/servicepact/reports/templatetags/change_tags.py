"""Labels for the change codes a statement snapshot stores (status, type)."""

from __future__ import annotations

from django import template

from servicepact.changes.choices import ChangeKind, ChangeStatus

register = template.Library()


@register.filter
def change_status(code: str) -> str:
    return str(ChangeStatus(code).label) if code in ChangeStatus.values else code


@register.filter
def change_kind(code: str) -> str:
    return str(ChangeKind(code).label) if code in ChangeKind.values else code
