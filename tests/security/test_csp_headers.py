"""Every page carries the Content Security Policy, and no template needs an inline script,
an inline event handler or a style attribute that the policy would block."""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from servicepact.accounts.services import create_api_token
from servicepact.tickets import services as ticket_services
from servicepact.tickets.testing import world

SRC = Path(__file__).resolve().parents[2] / "src" / "servicepact"
POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'sha256-{hash}'; "
    "img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; "
    "base-uri 'self'; frame-ancestors 'none'; form-action 'self'"
)


def policy_of(response) -> dict[str, str]:  # type: ignore[no-untyped-def]
    header = response["Content-Security-Policy"]
    return dict(part.strip().split(" ", 1) for part in header.split(";"))


def error_page_style_hash() -> str:
    css = re.search(r"<style>(.*?)</style>", (SRC / "templates" / "500.html").read_text(), re.S)
    assert css is not None
    return base64.b64encode(hashlib.sha256(css.group(1).encode()).digest()).decode()


def test_the_500_page_style_hash_in_settings_matches_the_template():
    """Editing 500.html's <style> without updating style-src would leave the error page bare."""
    expected = f"'sha256-{error_page_style_hash()}'"
    assert expected in settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]["style-src"]


@pytest.mark.django_db
def test_every_main_page_has_the_policy(clock):
    acme = world(code="acme")
    ticket = ticket_services.open_ticket(
        customer=acme.customer, contact=acme.contact, asset=acme.asset, subject="Disk", priority=2
    )
    expected = dict(
        part.split(" ", 1) for part in POLICY.format(hash=error_page_style_hash()).split("; ")
    )
    anonymous = Client()
    staff = Client()
    staff.force_login(acme.agent)
    contact = Client()
    contact.force_login(acme.contact.user)
    from django.contrib.auth import get_user_model

    root = Client()
    root.force_login(get_user_model().objects.create_superuser("root", "r@example.com", "pw"))
    _token, raw = create_api_token(user=acme.agent)
    api = Client(headers={"Authorization": f"Bearer {raw}"})
    pages = [
        (anonymous, "/"),
        (anonymous, "/login/"),
        (anonymous, "/password-reset/"),
        (anonymous, "/no-such-page/"),
        (staff, "/desk/"),
        (staff, "/desk/queue/rows/"),
        (staff, f"/desk/tickets/{ticket.pk}/"),
        (staff, f"/desk/assets/{acme.asset.pk}/"),
        (staff, f"/desk/contracts/{acme.contract.pk}/"),
        (staff, "/account/tokens/"),
        (staff, "/account/password/"),
        (contact, "/portal/"),
        (contact, f"/portal/tickets/{ticket.pk}/"),
        (contact, "/account/tokens/"),
        (root, "/admin/"),
        (root, "/admin/accounts/apitoken/"),
        (api, "/api/v1/me"),
        (anonymous, "/api/v1/docs"),
    ]
    for client, path in pages:
        response = client.get(path)
        assert response.status_code in (200, 404), (path, response.status_code)
        policy = policy_of(response)
        # A page that used the nonce (none of these) would add it to style-src only.
        assert policy == expected, path


@pytest.mark.django_db
def test_the_statement_style_block_is_allowed_by_this_responses_nonce(clock):
    acme = world(code="acme")
    staff = Client()
    staff.force_login(acme.agent)
    response = staff.get(f"/reports/desk/contracts/{acme.contract.pk}/statement/?period=2025-06")
    assert response.status_code == 200
    nonce = re.search(r'<style nonce="([^"]+)">', response.content.decode())
    assert nonce is not None
    style_src = policy_of(response)["style-src"].split()
    assert f"'nonce-{nonce.group(1)}'" in style_src
    assert policy_of(response)["script-src"] == "'self'"  # the nonce never reaches scripts


HTML_TEMPLATES = [
    path
    for path in SRC.rglob("templates/**/*.html")
    # The PDF statement is rendered by WeasyPrint and e-mail bodies by mail clients (which drop
    # <style> blocks, so inline styles are the norm there); neither is served to a browser.
    if path.name != "statement_print.html" and "templates/notifications/email" not in path.as_posix()
]


@pytest.mark.parametrize("path", HTML_TEMPLATES, ids=lambda p: str(p.relative_to(SRC)))
def test_no_template_needs_what_the_policy_blocks(path: Path):
    text = re.sub(
        r"\{#.*?#\}|\{% comment %\}.*?\{% endcomment %\}", "", path.read_text(), flags=re.S
    )
    assert not re.search(r"\sstyle\s*=", text), "style attribute: use a class in app.css"
    assert not re.search(r"\son[a-z]+\s*=", text), "inline event handler: use static JS"
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text), "inline script: use static JS"
    assert "javascript:" not in text
    for block in re.findall(r"<style[^>]*>", text):
        assert "nonce=" in block or path.name == "500.html", "a <style> needs the CSP nonce"
