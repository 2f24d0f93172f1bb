"""The exit archive's tickets part (``contractend.archive``: every ticket of a contract with
its history, public comments and files) streamed with stream-zip at two sizes, beside the
naive way in the same run (stdlib ``zipfile`` into memory). Peak Python memory of each
(``tracemalloc``) and throughput.

Tickets come from ``bench/_scale_data.py`` (all on the first contract, each with its
``opened`` and clock events); every tenth ticket gets a public comment with a 4 KiB file.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/sp_exit .venv/bin/python bench/exit_archive.py
    [--sizes 2000,20000]

The database of ``DATABASE_URL`` is dropped and recreated per size (use your own).

RESULT stream_small_mb=... stream_big_mb=... growth=... naive_big_mb=... naive_x_stream=...
tickets_per_s=...
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import time
import tracemalloc
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

LOADED_AT = datetime(2025, 6, 30, 20, tzinfo=UTC)
FILE = b"x" * 4096


def setup(url: str) -> None:
    import django
    import psycopg
    from django.core.management import call_command

    if django.apps.apps.ready:
        from django.db import connections

        connections.close_all()
    name = url.rsplit("/", 1)[1]
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "servicepact.settings"
    os.environ.setdefault("SERVICEPACT_INSECURE_DEV_KEY", "1")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    if not django.apps.apps.ready:
        django.setup()
    call_command("migrate", verbosity=0)


def comments_and_files(contract_id: int) -> None:
    from django.core.files.base import ContentFile

    from servicepact.tickets.models import Attachment, Comment, Ticket

    ids = list(Ticket.objects.filter(contract_id=contract_id).values_list("pk", flat=True))
    for pk in ids[::10]:
        comment = Comment.objects.create(ticket_id=pk, body="Logs attached", created_at=LOADED_AT)
        row = Attachment(
            ticket_id=pk, comment=comment, name="log.txt", content_type="text/plain",
            size=len(FILE), created_at=LOADED_AT,
        )  # fmt: skip
        row.file.save("log.txt", ContentFile(FILE), save=True)


def peak_mb(fn: Any) -> tuple[float, float]:
    tracemalloc.start()
    began = time.perf_counter()
    fn()
    seconds = time.perf_counter() - began
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 2**20, seconds


def run(url: str, total: int) -> tuple[float, float, float]:
    setup(url)
    import tempfile

    from _scale_data import catalogue, epoch, populate
    from django.conf import settings
    from stream_zip import stream_zip

    from servicepact.contractend.archive import Counts, _ticket_members
    from servicepact.contracts.models import Contract

    settings.MEDIA_ROOT = tempfile.mkdtemp(prefix="exit-bench-")
    fix = catalogue(2)
    populate(total, fix, epoch(LOADED_AT), contract_tickets=total)
    contract = Contract.objects.get(pk=fix["contracts"][0][0])
    comments_and_files(contract.pk)

    def streamed() -> None:
        size = 0
        for chunk in stream_zip(_ticket_members(contract, LOADED_AT, Counts())):
            size += len(chunk)  # a response would send it and forget it

    def naive() -> None:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for name, _at, _perms, _method, chunks in _ticket_members(
                contract, LOADED_AT, Counts()
            ):
                archive.writestr(name, b"".join(chunks))
        buffer.getvalue()

    stream_mb, stream_s = peak_mb(streamed)
    naive_mb, _naive_s = peak_mb(naive)
    print(f"{total:,} tickets: streamed peak {stream_mb:.1f} MiB in {stream_s:.1f} s, "
          f"naive peak {naive_mb:.1f} MiB", flush=True)  # fmt: skip
    return stream_mb, naive_mb, total / stream_s


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="2000,20000")
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/sp_exit")
    if not url.startswith("postgres"):
        sys.exit("bench/exit_archive.py measures on PostgreSQL: set DATABASE_URL")
    sizes = [int(s) for s in args.sizes.split(",")]
    figures = {n: run(url, n) for n in sizes}
    small, big = figures[sizes[0]], figures[sizes[-1]]
    print(
        f"RESULT stream_small_mb={small[0]:.1f} stream_big_mb={big[0]:.1f} "
        f"growth={big[0] / small[0]:.2f} naive_big_mb={big[1]:.1f} "
        f"naive_x_stream={big[1] / big[0]:.1f} tickets_per_s={big[2]:.0f}"
    )


if __name__ == "__main__":
    main()
