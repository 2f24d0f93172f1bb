"""Writes of the API layer itself: the Idempotency-Key store (api.idempotency reads it).

Each function runs inside the caller's transaction: a stored answer commits with the request
that produced it (api.idempotency wraps both in one ``transaction.atomic``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from servicepact.api.models import IdempotencyKey


def forget_expired_keys(*, now: datetime) -> int:
    """Deletes the keys whose replay window has ended; returns how many."""
    return IdempotencyKey.objects.filter(expires_at__lte=now).delete()[0]


def forget_key(*, row: IdempotencyKey) -> None:
    """Deletes one expired key (found on read) so the key can be used again."""
    row.delete()


def store_answer(
    *,
    user: Any,
    key: str,
    fingerprint: str,
    status: int,
    content_type: str,
    body: bytes,
    created_at: datetime,
    expires_at: datetime,
) -> IdempotencyKey:
    """Records the first answer to (user, key) for replay until ``expires_at``."""
    return IdempotencyKey.objects.create(
        user=user,
        key=key,
        fingerprint=fingerprint,
        status=status,
        content_type=content_type,
        body=body,
        created_at=created_at,
        expires_at=expires_at,
    )
