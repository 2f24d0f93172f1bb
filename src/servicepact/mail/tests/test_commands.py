"""``servicepact mailbox``: the token alone on the last line, and it works on the endpoint."""

from __future__ import annotations

import io
import subprocess
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from servicepact.mail.models import Mailbox, MailDomain
from servicepact.mail.tests.conftest import mime
from servicepact.tickets.testing import World

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("mailbox", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_create_prints_the_token_last_and_stores_only_its_hash(acme: World) -> None:
    token = run("create", "support", "--address", "Support@Provider.example").splitlines()[-1]
    box = Mailbox.objects.get()
    assert box.address == "support@provider.example"
    assert token.startswith("spm_") and token not in (box.token_hash, box.token_prefix)
    response = Client().post(
        "/api/v1/mail/inbound",
        data=mime("out_of_office.eml", notification=1, **{"%%NUMBER%%": "SP-000001"}),
        content_type="message/rfc822",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 200


def test_the_real_command_line(acme: World, settings: Any, tmp_path: Any) -> None:
    """`servicepact mailbox create NAME --address ADDRESS`: the token alone on the last line."""
    db = tmp_path / "cli.sqlite3"
    env = {"DEBUG": "1", "DATABASE_URL": f"sqlite:///{db}", "PATH": "/usr/bin:/bin"}
    import sys
    from pathlib import Path

    servicepact = str(Path(sys.executable).parent / "servicepact")
    subprocess.run([servicepact, "migrate", "-v0"], env=env, check=True, capture_output=True)
    done = subprocess.run(
        [servicepact, "mailbox", "create", "support", "--address", "support@provider.example"],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    last = done.stdout.strip().splitlines()[-1]
    assert last.startswith("spm_") and " " not in last and len(last) > 40


def test_domain_and_its_errors(acme: World, globex: World) -> None:
    assert run("domain", "acme", "ACME.example").strip() == "acme.example -> Acme"
    assert MailDomain.objects.get().customer == acme.customer
    with pytest.raises(CommandError, match="domain: already belongs to Acme"):
        run("domain", "globex", "acme.example")
    with pytest.raises(CommandError, match="customer: no customer with code 'nope'"):
        run("domain", "nope", "x.example")
    # An empty code names no customer either (it used to fail on the database's NOT NULL).
    with pytest.raises(CommandError, match="customer: a mail domain needs a customer code"):
        run("domain", "", "x.example")
    assert MailDomain.objects.count() == 1


def test_imap_needs_a_user_and_a_password_variable(db: Any) -> None:
    with pytest.raises(CommandError, match="imap_user"):
        run("create", "x", "--address", "x@provider.example", "--imap-host", "imap.example")
    assert Mailbox.objects.count() == 0


def test_rotate_and_list(db: Any) -> None:
    first = run("create", "support", "--address", "support@provider.example").splitlines()[-1]
    second = run("rotate", "support").splitlines()[-1]
    assert second != first and second.startswith("spm_")
    assert run("list").strip() == "support\tsupport@provider.example\t-\tpush only\tactive"
