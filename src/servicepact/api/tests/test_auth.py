"""Authentication: a bearer token or the browser session (CSRF kept on); 401 without either."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

# _mask_cipher_secret is private to Django and absent from django-stubs.
from django.middleware.csrf import _get_new_csrf_string, _mask_cipher_secret  # type: ignore[attr-defined]
from django.test import Client

from servicepact.accounts.models import ApiToken
from servicepact.accounts.services import create_api_token, revoke_api_token
from servicepact.customers.models import Customer

from .conftest import BASE, Api

pytestmark = pytest.mark.django_db

NEW_CUSTOMER = {"name": "Initech", "code": "initech", "timezone": "Europe/Berlin"}


def test_bearer_token_authenticates_and_records_its_use(acme, staff):
    """A valid token answers 200 as its user and stamps last_used_at (frozen clock: 12:00 UTC)."""
    response = staff.get("/me")
    assert response.status_code == 200
    assert response.json() == {
        "id": acme.agent.pk,
        "username": "acme-agent",
        "name": "acme-agent",
        "is_staff": True,
        "contact": None,
    }
    token = ApiToken.objects.get(user=acme.agent)
    assert token.last_used_at.isoformat() == "2025-06-02T12:00:00+00:00"


def test_me_names_the_contact_and_its_customer(acme, acme_contact):
    """A contact's /me carries its contact record and customer."""
    body = acme_contact.get("/me").json()
    assert body["is_staff"] is False
    assert body["contact"] == {
        "id": acme.contact.pk,
        "name": "acme IT",
        "customer": {"id": acme.customer.pk, "name": "Acme"},
    }


@pytest.mark.parametrize("method", ["get", "post"])
def test_no_credentials_is_401(anonymous, method):
    """Without a token or session every endpoint answers 401 {"detail": "Unauthorized"}."""
    response = (
        anonymous.get("/customers")
        if method == "get"
        else anonymous.post("/customers", NEW_CUSTOMER)
    )
    assert response.status_code == 401
    assert response.json() == {"detail": "Unauthorized"}
    assert Customer.objects.filter(code="initech").count() == 0


def _concrete(path: str) -> str:
    """/api/v1/tickets/{ticket_id}/pause -> /api/v1/tickets/1/pause ({day}: a date)."""
    parts = path.split("/")
    return "/".join(
        ("2025-07-04" if p == "{day}" else "1") if p.startswith("{") else p for p in parts
    )


def test_every_operation_in_the_schema_needs_credentials(anonymous):
    """Walk the OpenAPI schema: every operation answers 401 without credentials."""
    from servicepact.api.root import api

    operations = [
        (method, path)
        for path, item in api.get_openapi_schema()["paths"].items()
        for method in item
    ]
    assert len(operations) == 292
    client = Client(enforce_csrf_checks=True)
    for method, path in operations:
        response = getattr(client, method)(_concrete(path), content_type="application/json")
        assert response.status_code == 401, (method, path)


def test_unknown_and_revoked_tokens_are_401(acme):
    """A made-up token and a revoked one are refused like no token."""
    token, raw = create_api_token(user=acme.agent)
    revoke_api_token(token=token)
    for value in (raw, "sp_not-a-token"):
        client = Client(headers={"Authorization": f"Bearer {value}"})
        assert client.get(f"{BASE}/customers").status_code == 401


def test_inactive_user_token_is_401(acme):
    """Deactivating a user disables its tokens."""
    api = Api(acme.agent)
    acme.agent.is_active = False
    acme.agent.save()
    assert api.get("/me").status_code == 401


def test_session_reads_without_csrf(acme):
    """A logged-in browser session reads the API like a token does."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(acme.agent)
    response = client.get(f"{BASE}/customers")
    assert response.status_code == 200
    assert [c["code"] for c in response.json()["items"]] == ["acme"]


def test_session_write_without_csrf_token_is_403_and_writes_nothing(acme):
    """Unsafe methods over a session need the CSRF token: without it 403, nothing stored."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(acme.agent)
    response = client.post(f"{BASE}/customers", NEW_CUSTOMER, content_type="application/json")
    assert response.status_code == 403
    assert response.json() == {"detail": "CSRF check Failed"}
    assert Customer.objects.filter(code="initech").count() == 0


def test_session_write_with_csrf_token_succeeds(acme):
    """With the csrftoken cookie echoed in X-CSRFToken the session may write."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(acme.agent)
    secret = _get_new_csrf_string()
    client.cookies["csrftoken"] = secret
    response = client.post(
        f"{BASE}/customers",
        NEW_CUSTOMER,
        content_type="application/json",
        headers={"X-CSRFToken": _mask_cipher_secret(secret)},
    )
    assert response.status_code == 201
    assert response.json()["code"] == "initech"


def test_anonymous_post_is_401_not_a_csrf_error(anonymous):
    """No session and no token: 401 even with CSRF checks enforced (not a CSRF 403)."""
    client = Client(enforce_csrf_checks=True)
    response = client.post(f"{BASE}/customers", NEW_CUSTOMER, content_type="application/json")
    assert response.status_code == 401


def test_openapi_and_docs_are_served(anonymous):
    """The schema at /api/v1/openapi.json lists every resource; /api/v1/docs renders."""
    client = Client()
    schema = client.get(f"{BASE}/openapi.json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    for path in (
        "/api/v1/customers",
        "/api/v1/sites",
        "/api/v1/contacts",
        "/api/v1/calendars",
        "/api/v1/plans",
        "/api/v1/contracts",
        "/api/v1/contracts/{contract_id}/versions",
        "/api/v1/contracts/{contract_id}/lines",
        "/api/v1/assets",
        "/api/v1/tickets",
        "/api/v1/tickets/{ticket_id}/acknowledge",
        "/api/v1/tickets/{ticket_id}/comments",
    ):
        assert path in paths
    schemes = schema.json()["components"]["securitySchemes"]
    assert schemes["BearerAuth"] == {"type": "http", "scheme": "bearer"}
    assert client.get(f"{BASE}/docs").status_code == 200


def test_createtoken_prints_a_working_token(acme):
    """`servicepact createtoken USERNAME` prints a token alone on the last line; it works."""
    out, err = StringIO(), StringIO()
    call_command("createtoken", "acme-agent", "--name", "ci", stdout=out, stderr=err)
    raw = out.getvalue().strip().splitlines()[-1]
    assert raw.startswith("sp_")
    assert "stored hashed" in err.getvalue()
    token = ApiToken.objects.get(user=acme.agent, name="ci")
    assert token.key_hash != raw and len(token.key_hash) == 64
    client = Client(headers={"Authorization": f"Bearer {raw}"})
    assert client.get(f"{BASE}/me").json()["username"] == "acme-agent"


def test_createtoken_unknown_user_fails(db):
    """An unknown username is a CommandError naming the field; no token is created."""
    with pytest.raises(CommandError, match="username: no user named 'nobody'"):
        call_command("createtoken", "nobody", stdout=StringIO(), stderr=StringIO())
    assert ApiToken.objects.count() == 0


def test_the_openapi_schema_is_built_once_per_process(client):
    """Building the schema of ~300 operations takes seconds: it is built once and the docs'
    ``openapi.json`` answers from it (the same object each time, the same JSON)."""
    from servicepact.api.root import api

    first = api.get_openapi_schema(path_prefix="/api/v1/")
    assert api.get_openapi_schema(path_prefix="/api/v1/") is first
    a = client.get(f"{BASE}/openapi.json").json()
    b = client.get(f"{BASE}/openapi.json").json()
    assert a == b and len(a["paths"]) > 100
