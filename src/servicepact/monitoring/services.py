"""All writes of monitoring: alert sources, alert ingestion, outages, triage, measurements.

Keyword-only, one transaction each. ``ingest_alerts`` lives in ingest.py (the pipeline) and
``record_measurement`` in measurements.py; both are re-exported here.
"""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.utils.translation import gettext as _

from servicepact.accounts.actors import Actor
from servicepact.accounts.services import hash_token, new_hashed_token
from servicepact.assets.models import Asset
from servicepact.core.errors import DomainValidationError, TransitionError
from servicepact.core.services import save_validated
from servicepact.core.time import now as current_time
from servicepact.core.time import require_aware
from servicepact.customers.models import Customer
from servicepact.monitoring import rules
from servicepact.monitoring.choices import AlertStatus, OutageOrigin
from servicepact.monitoring.inbox import ACTIVE_SOURCE, drain_inbox, queue_alerts
from servicepact.monitoring.ingest import IngestResult, fire_effects, ingest_alerts
from servicepact.monitoring.measurements import record_measurement
from servicepact.monitoring.models import Alert, AlertSource, Outage
from servicepact.tickets import system_notes
from servicepact.tickets.models import Ticket

SOURCE_TOKEN_PREFIX = "spsrc_"

__all__ = [
    "IngestResult",
    "active_source_id",
    "assign_alert_asset",
    "authenticate_source",
    "create_alert_source",
    "drain_inbox",
    "end_outage",
    "ingest_alerts",
    "queue_alerts",
    "record_measurement",
    "record_outage",
    "rotate_source_token",
]


# ---------------------------------------------------------------- sources


def new_source_token() -> tuple[str, str, str]:
    """(raw token, prefix, sha256): the raw token is shown once and never stored."""
    return new_hashed_token(SOURCE_TOKEN_PREFIX)


@transaction.atomic
def create_alert_source(
    *,
    name: str,
    kind: str,
    customer: Customer | None = None,
    severity_map: dict[str, int] | None = None,
    default_priority: int = 3,
    outage_max_priority: int = 1,
    detection_delay_seconds: int = 0,
    category_map: dict[str, str] | None = None,
    default_category: str = "other",
    auto_resolve: bool = False,
    flap_transitions: int = 4,
    flap_window_minutes: int = 30,
    open_ticket_on_miss: bool = False,
) -> tuple[AlertSource, str]:
    """Creates a source; returns it with its raw token (shown once, stored as SHA-256)."""
    if flap_transitions < 2 or flap_window_minutes < 1:
        raise DomainValidationError(
            {"flap_transitions": [_("flapping needs >= 2 transitions within >= 1 minute")]}
        )
    raw, prefix, digest = new_source_token()
    source = AlertSource(
        name=name.strip(),
        kind=kind,
        customer=customer,
        token_prefix=prefix,
        token_hash=digest,
        severity_map=dict(severity_map or {}),
        default_priority=default_priority,
        outage_max_priority=outage_max_priority,
        detection_delay_seconds=detection_delay_seconds,
        category_map=dict(category_map or {}),
        default_category=default_category,
        auto_resolve=auto_resolve,
        flap_transitions=flap_transitions,
        flap_window_minutes=flap_window_minutes,
        open_ticket_on_miss=open_ticket_on_miss,
    )
    # The model's own validators (choices, 1..4, lengths, the severity map, a unique name)
    # report every bad field at once.
    save_validated(source)
    return source, raw


@transaction.atomic
def rotate_source_token(*, source: AlertSource) -> str:
    """Replaces the token; the old one stops working at once. Returns the new raw token."""
    raw, prefix, digest = new_source_token()
    AlertSource.objects.filter(pk=source.pk).update(token_prefix=prefix, token_hash=digest)
    source.token_prefix, source.token_hash = prefix, digest
    return raw


def authenticate_source(raw: str) -> AlertSource | None:
    """The active source with this token, or None (the API answers 401)."""
    if not raw:
        return None
    # The token hash is unique: no ordering, no join (the customer loads when a path needs
    # it; the inbox needs only its id). This query runs on every delivery.
    found = AlertSource.objects.filter(token_hash=hash_token(raw), is_active=True).order_by()
    return next(iter(found[:1]), None)


def active_source_id(token_hash: str, kind: str) -> int | None:
    """The id of the active source of ``kind`` whose token has this hash (``hash_token``), or
    None: ``inbox.ACTIVE_SOURCE`` as one plain statement (the intake's fast path, intake.py,
    runs it on a sender's first delivery; no query compilation, no model instance)."""
    table = connection.ops.quote_name(AlertSource._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id FROM {table} WHERE {ACTIVE_SOURCE}", [token_hash, kind])
        found = cursor.fetchone()
    return None if found is None else int(found[0])


# ---------------------------------------------------------------- outages


@transaction.atomic
def record_outage(
    *,
    asset: Asset,
    started_at: datetime,
    ended_at: datetime | None,
    reason: str,
    ticket: Ticket | None = None,
    actor: Actor = None,
    planned: bool = False,
) -> Outage:
    """A manual outage, for downtime monitoring missed (cause "ticket …" or "manual: …").

    ``planned`` downtime (announced to the customer) is shown but not counted against
    availability. Only provider staff record outages (403); ``actor`` None is the system.
    """
    if actor is not None and not getattr(actor, "is_staff", False):
        raise PermissionDenied(_("only provider staff record outages"))
    require_aware(started_at, "started_at")
    errors: dict[str, list[str]] = {}
    if not reason.strip():
        errors["reason"] = [_("say what happened")]
    if started_at > current_time():
        errors["started_at"] = [_("must not be in the future")]
    if ended_at is not None:
        require_aware(ended_at, "ended_at")
        if ended_at < started_at:
            errors["ended_at"] = [_("must not be before started_at")]
        elif ended_at > current_time():
            errors["ended_at"] = [_("must not be in the future")]
    if ticket is not None and ticket.asset_id not in (None, asset.pk):
        errors["ticket"] = [
            _("ticket %(ticket)s is about another asset") % {"ticket": ticket.number}
        ]
    if ticket is not None and ticket.customer_id != asset.customer_id:
        errors["ticket"] = [
            _("ticket %(ticket)s belongs to another customer") % {"ticket": ticket.number}
        ]
    if errors:
        raise DomainValidationError(errors)
    return Outage.objects.create(
        asset=asset,
        started_at=started_at,
        ended_at=ended_at,
        origin=OutageOrigin.MANUAL,
        ticket=ticket,
        reason=reason.strip()[:300],
        planned=planned,
        recorded_by=actor if getattr(actor, "pk", None) else None,
    )


@transaction.atomic
def end_outage(*, outage: Outage, ended_at: datetime) -> Outage:
    outage = Outage.objects.select_for_update().get(pk=outage.pk)
    require_aware(ended_at, "ended_at")
    if outage.ended_at is not None:
        raise TransitionError(
            _("the outage already ended at %(ended_at)s")
            % {"ended_at": outage.ended_at.isoformat()}
        )
    if ended_at < outage.started_at or ended_at > current_time():
        raise DomainValidationError(
            {"ended_at": [_("must lie between the outage's start and now")]}
        )
    outage.ended_at = ended_at
    outage.save(update_fields=["ended_at"])
    return outage


# ---------------------------------------------------------------- triage


@transaction.atomic
def assign_alert_asset(*, alert: Alert, asset: Asset, actor: Actor = None) -> Alert:
    """Triage: attach an unmatched alert to an asset and replay what matching would have done.

    Past firing episodes become outages (if the alert counts as one); a still-firing alert opens
    or joins the asset's incident ticket and an open outage.
    """
    alert = Alert.objects.select_for_update().select_related("source").get(pk=alert.pk)
    if alert.asset_id is not None:
        raise TransitionError(
            _("alert %(alert)s is already on asset %(asset_id)s")
            % {"alert": alert.fingerprint, "asset_id": alert.asset_id}
        )
    source = alert.source
    if source.customer is not None and asset.customer_id != source.customer_id:
        raise DomainValidationError(
            {
                "asset": [
                    _("%(asset)s is not an asset of %(customer)s")
                    % {"asset": asset.hostname, "customer": source.customer.name}
                ]
            }
        )
    who = actor.get_username() if actor is not None and actor.pk else ""
    alert.asset, alert.customer_id = asset, asset.customer_id
    assigned = system_notes.alert_assigned(host=asset.hostname, who=who)
    alert.match_note, alert.match_facts = assigned.english()[:300], assigned.as_data()
    started: datetime | None = None
    for transition in alert.transitions.order_by("at", "id"):
        if transition.status == AlertStatus.FIRING:
            started = transition.at
        elif started is not None:
            if alert.counts_as_outage:
                Outage.objects.create(
                    asset=asset,
                    started_at=rules.outage_start(alert, source, started),  # detection delay
                    ended_at=transition.at,
                    origin=OutageOrigin.ALERT,
                    alert=alert,
                )
            started = None
    if alert.status == AlertStatus.FIRING and started is not None:
        fire_effects(alert, source, started)
    alert.save()
    return alert
