"""Demo backups and drills: Acme's servers with nightly local and off-site copies (one
server's off-site copy stopped two days ago), a quarterly restore drill with its achieved
RTO signed off by Acme's contact, and the next drill due."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import Any

from servicepact.backups.services import (
    add_drill_evidence,
    create_backup_policy,
    create_backup_source,
    create_drill_schedule,
    receive_runs,
    record_drill,
    sign_off_drill,
)
from servicepact.backups.sources.base import ParsedRun
from servicepact.contracts.models import Contract
from servicepact.core.time import local_date
from servicepact.core.time import now as current_time
from servicepact.customers.models import Contact

Progress = Callable[[str], None]
DAYS = 14


def seed_backups(
    *, contract: Contract, assets: Sequence[Any], contact: Contact, staff: Any, progress: Progress
) -> None:
    moment = current_time().replace(microsecond=0)
    source, _ = create_backup_source(
        name=f"{contract.customer.code}-restic", kind="restic", customer=contract.customer
    )
    servers = list(assets[:3])
    for asset in servers:
        create_backup_policy(
            contract=contract,
            asset=asset,
            name="nightly",
            volumes="/srv, /etc",
            databases="postgres: all",
            window_minutes=24 * 60,
            retention_days=35,
            copy_offsite=True,
            rpo_minutes=24 * 60,
            effective_from=moment - timedelta(days=DAYS + 1),
        )
    runs = []
    for day in range(DAYS, 0, -1):
        start = (moment - timedelta(days=day)).replace(hour=1, minute=0, second=0)
        for n, asset in enumerate(servers):
            runs.append(_run(asset.hostname, "local", start, f"{day}-{n}"))
            if n == len(servers) - 1 and day <= 2:
                continue  # this server's off-site copy stopped: the desk shows it overdue
            runs.append(_run(asset.hostname, "offsite", start + timedelta(hours=1), f"{day}-{n}"))
    receive_runs(source=source, runs=runs, received_at=moment)
    today = local_date(moment, contract.customer.timezone)
    schedule = create_drill_schedule(
        contract=contract,
        kind="restore",
        interval_months=3,
        first_due_on=today + timedelta(days=20),
        scope="Restore of the database server from the off-site copy",
        rto_minutes=240,
    )
    finished = moment - timedelta(days=12, hours=3)
    drill = record_drill(
        contract=contract,
        schedule=schedule,
        kind="restore",
        scope=f"{servers[0].hostname}: full restore from the off-site copy into a clean VM",
        started_at=finished - timedelta(minutes=95),
        finished_at=finished,
        succeeded=True,
        achieved_rto_minutes=95,
        achieved_rpo_minutes=19 * 60,
        summary="Restored 412 GB; application checks passed.",
        actor=staff,
    )
    add_drill_evidence(
        drill=drill,
        name="restore-report.txt",
        content=b"restore started, 412 GB restored, checks passed\n",
        content_type="text/plain",
        actor=staff,
    )
    sign_off_drill(drill=drill, actor=contact.user, note="Checked the restored data.")
    progress(f"backups of {len(servers)} servers, a quarterly restore drill signed off")


def _run(host: str, location: str, start: Any, key: str) -> ParsedRun:
    return ParsedRun(
        run_key=f"{location}-{key}",
        status="succeeded",
        started_at=start,
        finished_at=start + timedelta(minutes=35),
        host=host,
        location=location,
        size_bytes=412 * 1024**3,
        files=180_000,
        snapshot=f"{location}-{key}",
        message="demo",
    )
