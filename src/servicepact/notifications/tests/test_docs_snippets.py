"""The verification snippets of docs/worker.md, pasted as they are, accept genuine
deliveries from a real receiver and refuse forged, altered and stale ones."""

from __future__ import annotations

import base64
import re
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from servicepact.notifications.delivery import deliver_due
from servicepact.notifications.models import WebhookEndpoint
from servicepact.notifications.services import Message, notify_webhooks, rotate_webhook_secret

from .conftest import utc

pytestmark = pytest.mark.django_db

DOC = Path(__file__).resolve().parents[4] / "docs" / "worker.md"
T0 = utc(2025, 6, 2, 10)
SECRET = "whsec_" + base64.b64encode(b"d" * 32).decode()
HEADINGS = (
    "### Verifying with the `standardwebhooks` library",
    "### Verifying without a library",
)


def snippet(heading: str) -> str:
    """The first ```python block after ``heading`` in docs/worker.md."""
    text = DOC.read_text(encoding="utf-8")
    assert heading in text, heading
    found = re.search(r"```python\n(.*?)```", text[text.index(heading) :], re.DOTALL)
    assert found is not None
    return found.group(1)


def load(heading: str, monkeypatch: pytest.MonkeyPatch, secret: str) -> Callable[..., Any]:
    monkeypatch.setenv("SERVICEPACT_WEBHOOK_SECRET", secret)
    namespace: dict[str, Any] = {"__name__": "snippet"}
    exec(compile(snippet(heading), str(DOC), "exec"), namespace)
    return namespace["verify"]


def shout(headers: dict[str, str]) -> dict[str, str]:
    """The same headers as a proxy or framework might hand them over: other letter case."""
    return {"-".join(p.capitalize() for p in k.split("-")): v for k, v in headers.items()}


@pytest.mark.parametrize("heading", HEADINGS)
def test_snippet_accepts_a_genuine_delivery_and_refuses_the_rest(
    heading, frozen, receiver, monkeypatch
):
    """Headers as received (lower case) and in other letter case both verify; another
    secret, a changed body, and the same request 5 min 1 s later are refused."""
    hook = receiver([200])
    WebhookEndpoint.objects.create(name="chat", url=hook.url, secret=SECRET)
    frozen(T0)
    notify_webhooks(key="esc:1:50", message=Message("ticket.threshold_crossed", "s", "b"))
    assert deliver_due().sent == 1
    ((headers, body),) = hook.requests

    verify = load(heading, monkeypatch, SECRET)
    event = verify(body, headers)
    assert event is not None and event["id"] == headers["webhook-id"]
    assert verify(body, shout(headers)) == event
    assert verify(body.replace(b'"subject":"s"', b'"subject":"S"'), headers) is None
    forged = load(heading, monkeypatch, "whsec_" + base64.b64encode(b"f" * 32).decode())
    assert forged(body, headers) is None

    frozen(T0 + timedelta(minutes=5))
    assert verify(body, headers) == event
    frozen(T0 + timedelta(minutes=5, seconds=1))
    assert verify(body, headers) is None


@pytest.mark.parametrize("heading", HEADINGS)
def test_snippet_verifies_with_either_secret_during_a_rollover(
    heading, frozen, receiver, monkeypatch
):
    """After a rotation the delivery carries two signatures: a receiver still on the old
    secret and one already on the new secret both accept it."""
    hook = receiver([200])
    endpoint = WebhookEndpoint.objects.create(name="chat", url=hook.url, secret=SECRET)
    frozen(T0)
    new = rotate_webhook_secret(endpoint=endpoint).secret
    notify_webhooks(key="esc:1:50", message=Message("ticket.threshold_crossed", "s", "b"))
    assert deliver_due().sent == 1
    ((headers, body),) = hook.requests
    assert load(heading, monkeypatch, SECRET)(body, headers)["id"] == headers["webhook-id"]
    assert load(heading, monkeypatch, new)(body, headers)["id"] == headers["webhook-id"]
