"""`servicepact backupsource create NAME --kind ...` prints the token alone on its last line."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from servicepact.backups.models import BackupSource
from servicepact.backups.services import authenticate_backup_source


@pytest.mark.django_db
def test_create_prints_a_working_token_on_the_last_line():
    out, err = StringIO(), StringIO()
    call_command(
        "backupsource",
        "create",
        "nas-restic",
        "--kind",
        "restic",
        "--location",
        "offsite",
        stdout=out,
        stderr=err,
    )
    token = out.getvalue().strip().splitlines()[-1]
    assert token.startswith("spbak_")
    source = authenticate_backup_source(token)
    assert (
        source is not None and source.name == "nas-restic" and source.default_location == "offsite"
    )
    assert token not in BackupSource.objects.values_list("token_hash", flat=True)  # hashed at rest
    assert "/api/v1/backups/runs/restic" in err.getvalue()


@pytest.mark.django_db
def test_rotate_replaces_the_token_and_bad_input_is_an_error():
    out = StringIO()
    call_command("backupsource", "create", "b", "--kind", "bacula", stdout=out, stderr=StringIO())
    old = out.getvalue().strip().splitlines()[-1]
    out = StringIO()
    call_command("backupsource", "rotate", "b", stdout=out, stderr=StringIO())
    new = out.getvalue().strip().splitlines()[-1]
    assert authenticate_backup_source(old) is None and authenticate_backup_source(new) is not None
    with pytest.raises(CommandError, match="timezone"):
        call_command(
            "backupsource",
            "create",
            "c",
            "--kind",
            "bacula",
            "--timezone",
            "Mars/X",
            stdout=StringIO(),
            stderr=StringIO(),
        )
    with pytest.raises(CommandError, match="customer"):
        call_command(
            "backupsource",
            "create",
            "d",
            "--kind",
            "generic",
            "--customer",
            "nope",
            stdout=StringIO(),
            stderr=StringIO(),
        )
