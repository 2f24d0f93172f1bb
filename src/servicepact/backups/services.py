"""All writes of backups: sources, policies, run ingestion, the RPO watch of the worker.

Keyword-only, one transaction each. Drills live in drills.py (re-exported here).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import translation
from django.utils.translation import gettext as _

from servicepact.accounts.actors import Actor
from servicepact.accounts.services import hash_token, new_hashed_token
from servicepact.assets.models import Asset, ContractLine
from servicepact.backups.choices import CopyLocation
from servicepact.backups.drills import (
    add_drill_evidence,
    add_drill_finding,
    add_uploaded_evidence,
    create_drill_schedule,
    process_drill_dues,
    record_drill,
    sign_off_drill,
    sync_drill_schedules,
)
from servicepact.backups.ingest import IngestResult, ingest_runs
from servicepact.backups.models import BackupPolicy, BackupRun, BackupSource, BackupWatch
from servicepact.backups.rpo import copy_states
from servicepact.backups.sources.base import ParsedRun
from servicepact.contracts.models import Contract
from servicepact.core.errors import DomainValidationError
from servicepact.core.services import save_validated
from servicepact.core.time import format_duration, require_aware
from servicepact.core.time import now as current_time
from servicepact.customers.models import Customer
from servicepact.tickets import system_notes
from servicepact.tickets.choices import Category, Channel, Status, TicketKind
from servicepact.tickets.models import Ticket
from servicepact.tickets.services import add_system_notes, open_ticket, resolve_ticket
from servicepact.tickets.transitions import ALLOWED

SOURCE_TOKEN_PREFIX = "spbak_"

__all__ = [
    "IngestResult",
    "add_drill_evidence",
    "add_drill_finding",
    "add_uploaded_evidence",
    "authenticate_backup_source",
    "check_backups",
    "create_backup_policy",
    "create_backup_source",
    "create_drill_schedule",
    "process_drill_dues",
    "receive_runs",
    "record_drill",
    "rotate_backup_source_token",
    "sign_off_drill",
    "sync_drill_schedules",
    "wake_resumed_watches",
]


# ---------------------------------------------------------------- sources


@transaction.atomic
def create_backup_source(
    *,
    name: str,
    kind: str,
    customer: Customer | None = None,
    default_location: str = CopyLocation.LOCAL,
    timezone: str = "UTC",
) -> tuple[BackupSource, str]:
    """Creates a source; returns it with its raw token (shown once, stored as SHA-256)."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise DomainValidationError(
            {"timezone": [_("unknown time zone %(zone)s") % {"zone": timezone}]}
        ) from None
    raw, prefix, digest = new_hashed_token(SOURCE_TOKEN_PREFIX)
    source = BackupSource(
        name=name.strip(),
        kind=kind,
        customer=customer,
        default_location=default_location,
        timezone=timezone,
        token_prefix=prefix,
        token_hash=digest,
    )
    save_validated(source)
    return source, raw


@transaction.atomic
def rotate_backup_source_token(*, source: BackupSource) -> str:
    """Replaces the token; the old one stops working at once. Returns the new raw token."""
    raw, prefix, digest = new_hashed_token(SOURCE_TOKEN_PREFIX)
    BackupSource.objects.filter(pk=source.pk).update(token_prefix=prefix, token_hash=digest)
    source.token_prefix, source.token_hash = prefix, digest
    return raw


def authenticate_backup_source(raw: str) -> BackupSource | None:
    """The active source with this token, or None (the API answers 401)."""
    if not raw:
        return None
    return BackupSource.objects.filter(token_hash=hash_token(raw), is_active=True).first()


def receive_runs(
    *, source: BackupSource, runs: list[ParsedRun], received_at: datetime | None = None
) -> IngestResult:
    """Stores a delivery (ingest.py). Two deliveries racing on one new run id: the loser's
    INSERT fails on the unique key and the delivery is stored again over the winner's row."""
    moment = received_at or current_time()
    try:
        result = ingest_runs(source=source, runs=runs, received_at=moment)
    except IntegrityError:
        result = ingest_runs(source=source, runs=runs, received_at=moment)
    wake_resumed_watches(result.good_assets, moment)
    return result


# ---------------------------------------------------------------- policies


@transaction.atomic
def create_backup_policy(
    *,
    contract: Contract,
    asset: Asset,
    name: str,
    window_minutes: int,
    retention_days: int,
    volumes: str = "",
    databases: str = "",
    copy_local: bool = True,
    copy_offsite: bool = False,
    copy_other_zone: bool = False,
    encrypted: bool = True,
    rpo_minutes: int | None = None,
    effective_from: datetime | None = None,
    actor: Actor = None,
) -> BackupPolicy:
    """A policy for an asset on the contract, with one RPO watch per required copy (the
    worker looks at each when its window would first be exceeded)."""
    moment = require_aware(effective_from or current_time(), "effective_from")
    errors: dict[str, list[str]] = {}
    if asset.customer_id != contract.customer_id:
        errors["asset"] = [
            _("%(asset)s is not an asset of %(customer)s")
            % {"asset": asset.hostname, "customer": contract.customer.name}
        ]
    elif not ContractLine.objects.filter(contract=contract, asset=asset).exists():
        errors["asset"] = [
            _("%(asset)s is not on contract %(contract)s")
            % {"asset": asset.hostname, "contract": contract.number}
        ]
    if not (copy_local or copy_offsite or copy_other_zone):
        errors["copy_local"] = [_("require at least one copy (local, off-site, other zone)")]
    if errors:
        raise DomainValidationError(errors)
    policy = BackupPolicy(
        contract=contract,
        asset=asset,
        name=name.strip(),
        volumes=volumes.strip(),
        databases=databases.strip(),
        window_minutes=window_minutes,
        retention_days=retention_days,
        copy_local=copy_local,
        copy_offsite=copy_offsite,
        copy_other_zone=copy_other_zone,
        encrypted=encrypted,
        rpo_minutes=rpo_minutes,
        effective_from=moment,
    )
    save_validated(policy)
    first_check = moment + timedelta(minutes=window_minutes, seconds=1)
    BackupWatch.objects.bulk_create(
        [
            BackupWatch(policy=policy, location=location, next_check_at=first_check)
            for location in policy.locations
        ]
    )
    return policy


# ---------------------------------------------------------------- the RPO watch


def check_backups(*, now: datetime | None = None, batch: int = 200) -> int:
    """The worker's step: every RPO watch whose window may be exceeded now.

    1. claim the due watches (``next_check_at`` <= now, partial index; SKIP LOCKED);
    2. evaluate their copies as of now (the last good run, its age);
    3. window exceeded and no incident open for it: open one (category backup, the asset,
       channel monitoring) and keep it on the watch, so a second pass opens nothing;
    4. back within the window: the incident the watch opened, still open, is resolved with a
       system note naming the good run (backups resumed); the watch forgets it; next check
       when the new backup's window would run out. A good run's delivery makes the watches
       of its asset with an incident due at once (``wake_resumed_watches``).

    Returns the number of watches looked at. Idempotent and safe in several processes."""
    moment = now or current_time()
    with transaction.atomic():
        watches = list(
            BackupWatch.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(next_check_at__lte=moment, policy__is_active=True)
            .select_related("policy__contract__customer", "policy__asset", "ticket")
            .order_by("next_check_at")[:batch]
        )
        if not watches:
            return 0
        policies = list({w.policy_id: w.policy for w in watches}.values())
        states = {(s.policy.pk, s.location): s for s in copy_states(policies, moment)}
        for watch in watches:
            state = states.get((watch.policy_id, watch.location))
            if state is None:  # the copy is no longer required
                watch.next_check_at = None
            elif state.overdue:
                if watch.overdue_since is None:
                    point = state.last_good.started_at if state.last_good else None
                    start = point or watch.policy.effective_from
                    watch.overdue_since = start + timedelta(seconds=state.window_seconds)
                if watch.ticket is None or watch.ticket.status in (Status.RESOLVED, Status.CLOSED):
                    watch.ticket = _open_incident(watch, state.age_seconds, moment)
                # Looked at again one window later (a new run may have arrived meanwhile).
                watch.next_check_at = moment + timedelta(seconds=state.window_seconds)
            else:
                point = state.last_good.started_at if state.last_good else None
                start = point or watch.policy.effective_from
                if watch.ticket is not None and watch.ticket.is_open and state.last_good:
                    _resolve_incident(watch, watch.ticket, state.last_good, moment)
                watch.overdue_since, watch.ticket = None, None
                watch.next_check_at = start + timedelta(seconds=state.window_seconds + 1)
        BackupWatch.objects.bulk_update(watches, ["next_check_at", "overdue_since", "ticket"])
    return len(watches)


def _resolve_incident(watch: BackupWatch, ticket: Ticket, run: BackupRun, moment: datetime) -> None:
    """Backups resumed: a system note naming the good run, then the incident resolved when
    it is being worked on (acknowledged, in progress, solution proposed: the monitoring's
    rule, ``monitoring.rules.RESOLVABLE``). A new incident nobody acknowledged keeps only the
    note: resolving it would stop its response clock unanswered; people close it."""
    policy = watch.policy
    with translation.override(None):
        location = str(CopyLocation(watch.location).label)
        resolution = _("Resolved automatically: backups resumed (a good %(location)s backup).") % {
            "location": location
        }
    note = system_notes.backup_resumed(
        location=location, asset=policy.asset.hostname, at=run.started_at, policy=policy.name
    )
    add_system_notes(notes=[(ticket, note)])
    if ticket.status in ALLOWED["resolve"]:
        resolve_ticket(ticket=ticket, actor=None, resolution=resolution, at=moment)


def wake_resumed_watches(asset_ids: Iterable[int], at: datetime) -> int:
    """The watches of these assets that hold an incident are looked at now (a good run was
    just reported for them): the worker's next pass resolves what resumed. One UPDATE."""
    ids = sorted(set(asset_ids))
    if not ids:
        return 0
    return BackupWatch.objects.filter(policy__asset_id__in=ids, ticket__isnull=False).update(
        next_check_at=at
    )


def _open_incident(watch: BackupWatch, age_seconds: int, moment: datetime) -> Ticket:
    policy = watch.policy
    with translation.override(None):  # tickets store their text in the default language
        location = str(CopyLocation(watch.location).label)
        values = {
            "asset": policy.asset.hostname,
            "policy": policy.name,
            "location": location,
            "age": format_duration(age_seconds),
            "window": format_duration(policy.window_minutes * 60),
        }
        subject = _("No good %(location)s backup of %(asset)s for %(age)s") % values
        description = (
            _(
                "Backup policy %(policy)s of %(asset)s expects a successful %(location)s backup "
                "every %(window)s; the last good one is %(age)s old (no run reported counts "
                "like a failed run)."
            )
            % values
        )
    return open_ticket(
        customer=policy.contract.customer,
        subject=subject[:200],
        description=description,
        asset=policy.asset,
        channel=Channel.MONITORING,
        category=Category.BACKUP,
        kind=TicketKind.INCIDENT,
        impact=2,
        urgency=2,
        opened_at=moment,
    )
