"""Standard Webhooks signatures (https://www.standardwebhooks.com/).

Every delivery carries ``webhook-id``, ``webhook-timestamp`` (Unix seconds) and
``webhook-signature``: ``v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">``. During a
secret rollover the header holds one signature per valid secret, separated by a space; a
receiver accepts the request when any of them matches its secret. Receivers reject a
timestamp further than ``TOLERANCE`` from their own clock (the spec's five minutes).

Secrets are ``whsec_<base64 of the key bytes>``. A secret without the prefix (written before
ServicePact used the standard, or typed by hand) signs with its UTF-8 bytes; the migration
``0002_standard_webhook_secrets`` rewrote stored ones to the prefixed form of the same bytes,
so receivers that verify the legacy ``X-ServicePact-Signature`` header keep working.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
from collections.abc import Iterable
from datetime import timedelta

SECRET_PREFIX = "whsec_"
SECRET_BYTES = 32  # the spec asks for 24 to 64 random bytes
MIN_SECRET_BYTES, MAX_SECRET_BYTES = 24, 64
TOLERANCE = timedelta(minutes=5)


def new_secret() -> str:
    """A fresh ``whsec_`` secret of 32 random bytes."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def secret_key(secret: str) -> bytes:
    """The HMAC key of a stored secret: the decoded base64 of ``whsec_…``, else the UTF-8 bytes."""
    if secret.startswith(SECRET_PREFIX):
        return base64.b64decode(secret[len(SECRET_PREFIX) :])
    return secret.encode()


def as_standard_secret(secret: str) -> str:
    """The ``whsec_`` form of a stored secret (the same key bytes)."""
    if secret.startswith(SECRET_PREFIX):
        return secret
    return SECRET_PREFIX + base64.b64encode(secret.encode()).decode()


def secret_problem(secret: str) -> str | None:
    """Why a secret someone supplies is not acceptable, or None."""
    if not secret.startswith(SECRET_PREFIX):
        return f"must start with {SECRET_PREFIX}"
    try:
        key = base64.b64decode(secret[len(SECRET_PREFIX) :], validate=True)
    except (binascii.Error, ValueError):
        return f"must be {SECRET_PREFIX} followed by base64"
    if not MIN_SECRET_BYTES <= len(key) <= MAX_SECRET_BYTES:
        return f"the key must be {MIN_SECRET_BYTES} to {MAX_SECRET_BYTES} bytes, not {len(key)}"
    return None


def signature(secret: str, *, msg_id: str, timestamp: int, body: bytes) -> str:
    """One ``v1,<base64>`` signature of ``{id}.{timestamp}.{body}``."""
    signed = f"{msg_id}.{timestamp}.".encode() + body
    digest = hmac.new(secret_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def signature_header(secrets_: Iterable[str], *, msg_id: str, timestamp: int, body: bytes) -> str:
    """The ``webhook-signature`` value: one signature per valid secret, space-separated."""
    return " ".join(
        signature(secret, msg_id=msg_id, timestamp=timestamp, body=body) for secret in secrets_
    )


def legacy_signature(secret: str, body: bytes) -> str:
    """``X-ServicePact-Signature`` (before Standard Webhooks): ``sha256=`` hex HMAC of the body."""
    return "sha256=" + hmac.new(secret_key(secret), body, hashlib.sha256).hexdigest()
