"""One webhook delivery: the signed request (Standard Webhooks) and the HTTP POST.

The POST has its own connect and read timeouts (``WEBHOOK_CONNECT_TIMEOUT``,
``WEBHOOK_TIMEOUT``), and follows no redirect: only a 2xx answer counts as delivered.
"""

from __future__ import annotations

import hashlib
import http.client
import json
from datetime import datetime
from urllib.parse import urlsplit

from servicepact.notifications.models import Notification, WebhookEndpoint
from servicepact.notifications.signing import legacy_signature, signature_header

# Standard Webhooks headers.
ID_HEADER = "webhook-id"
TIMESTAMP_HEADER = "webhook-timestamp"
SIGNATURE_HEADER = "webhook-signature"
# ServicePact's headers from before the standard, still sent so that existing receivers keep
# working; ``X-ServicePact-Signature`` signs the body alone, with the current secret only.
LEGACY_SIGNATURE_HEADER = "X-ServicePact-Signature"
LEGACY_TIMESTAMP_HEADER = "X-ServicePact-Timestamp"
DELIVERY_HEADER = "X-ServicePact-Delivery"
EVENT_HEADER = "X-ServicePact-Event"
USER_AGENT = "ServicePact-Webhook/2"


class DeliveryError(Exception):
    pass


class HTTPError(DeliveryError):
    """The receiver answered, but not with a 2xx."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(f"HTTP Error {status}: {reason}")
        self.status = status


def message_id(row: Notification) -> str:
    """``webhook-id``: the idempotency key (the body's ``id``), the same on every retry; a key
    that is not plain printable ASCII without spaces or dots is replaced by its SHA-256."""
    key = row.idempotency_key
    if key.isascii() and key.isprintable() and " " not in key and "." not in key:
        return key
    return "sha256:" + hashlib.sha256(key.encode()).hexdigest()


def webhook_request(
    row: Notification, endpoint: WebhookEndpoint, now: datetime
) -> tuple[bytes, dict[str, str]]:
    """The exact bytes and headers POSTed; the timestamp is inside the signed body too."""
    timestamp = int(now.timestamp())
    body = json.dumps(
        {
            "id": row.idempotency_key,
            "event": row.event,
            "timestamp": timestamp,
            "subject": row.subject,
            "data": row.payload,
        },
        sort_keys=True,
        separators=(",", ":"),
    ).encode()
    msg_id = message_id(row)
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        ID_HEADER: msg_id,
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: signature_header(
            endpoint.signing_secrets(now), msg_id=msg_id, timestamp=timestamp, body=body
        ),
        LEGACY_SIGNATURE_HEADER: legacy_signature(endpoint.secret, body),
        LEGACY_TIMESTAMP_HEADER: str(timestamp),
        DELIVERY_HEADER: row.idempotency_key,
        EVENT_HEADER: row.event,
    }
    return body, headers


def post(
    url: str, body: bytes, headers: dict[str, str], *, connect_timeout: float, read_timeout: float
) -> int:
    """POSTs ``body``; returns the 2xx status, raises ``HTTPError`` for any other answer and
    ``TimeoutError`` / ``OSError`` for a receiver that cannot be reached or never answers."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise DeliveryError(f"not an http(s) URL: {url!r}")
    kind = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    connection = kind(parts.hostname, parts.port, timeout=connect_timeout)
    try:
        try:
            connection.connect()  # TCP (and TLS) within the connect timeout
        except TimeoutError as exc:
            raise TimeoutError(f"timed out connecting ({connect_timeout:g} s)") from exc
        assert connection.sock is not None
        connection.sock.settimeout(read_timeout)  # then each read waits at most this long
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        try:
            connection.request("POST", target, body=body, headers=headers)
            response = connection.getresponse()
            response.read(1024)
        except TimeoutError as exc:
            raise TimeoutError(f"timed out waiting for the answer ({read_timeout:g} s)") from exc
        if not 200 <= response.status < 300:
            raise HTTPError(response.status, response.reason)
        return response.status
    finally:
        connection.close()
