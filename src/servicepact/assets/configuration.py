"""Version management: the configuration record of assets and its history.

Each ``ConfigurationItem`` is one component version over [valid_from, valid_to). Writing a
new version of a component closes the one before it at the same instant, so at any instant
an asset runs at most one version of each (kind, name) (a partial unique index holds it).

Reads for other apps (vulnerability matching, pages, API):

- ``software_at(asset_ids, at)``: what ran on each asset at instant ``at``;
- ``current_software(asset_ids)``: what runs now.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from servicepact.accounts.actors import Actor
from servicepact.assets.choices import ComponentKind
from servicepact.assets.models import Asset, ConfigurationItem
from servicepact.core.errors import DomainValidationError
from servicepact.core.services import save_validated
from servicepact.core.time import now as current_time
from servicepact.core.time import require_aware


@dataclass(frozen=True)
class Component:
    """One component version on one asset (a row of the configuration record)."""

    asset_id: int
    kind: str
    name: str
    version: str
    valid_from: datetime
    valid_to: datetime | None
    source: str


def _component(item: ConfigurationItem) -> Component:
    return Component(
        asset_id=item.asset_id,
        kind=item.kind,
        name=item.name,
        version=item.version,
        valid_from=item.valid_from,
        valid_to=item.valid_to,
        source=item.source,
    )


@transaction.atomic
def record_component(
    *,
    asset: Asset,
    kind: str,
    name: str,
    version: str,
    at: datetime,
    source: str = "",
    actor: Actor = None,
) -> ConfigurationItem:
    """From ``at`` on, ``asset`` runs ``version`` of (kind, name); the version before ends at ``at``.

    A version recorded before the current one started is refused (history is appended, not
    rewritten): field error on ``at``.
    """
    at = require_aware(at, "at")
    errors: dict[str, list[str]] = {}
    if kind not in ComponentKind.values:
        errors["kind"] = [_("unknown component kind: %(kind)s") % {"kind": kind}]
    if not name.strip():
        errors["name"] = [_("must not be empty")]
    if not version.strip():
        errors["version"] = [_("must not be empty")]
    if errors:
        raise DomainValidationError(errors)
    current = (
        ConfigurationItem.objects.select_for_update()
        .filter(asset=asset, kind=kind, name=name.strip(), valid_to__isnull=True)
        .first()
    )
    if current is not None:
        if at <= current.valid_from:
            raise DomainValidationError(
                _("must be after %(start)s, when the current version started")
                % {"start": current.valid_from.isoformat()},
                field="at",
            )
        current.valid_to = at
        current.save(update_fields=["valid_to"])
    item = ConfigurationItem(
        asset=asset,
        kind=kind,
        name=name.strip(),
        version=version.strip(),
        valid_from=at,
        source=source[:200],
        recorded_by=actor if getattr(actor, "pk", None) else None,
    )
    save_validated(item)
    return item


def _running_at(at: datetime) -> Q:
    return Q(valid_from__lte=at) & (Q(valid_to__isnull=True) | Q(valid_to__gt=at))


def software_at(asset_ids: Iterable[int], at: datetime) -> dict[int, list[Component]]:
    """What ran on each asset at instant ``at``: {asset id: components by kind, name}.

    One query; an asset with nothing recorded is absent from the result.
    """
    at = require_aware(at, "at")
    result: dict[int, list[Component]] = defaultdict(list)
    ids = list(asset_ids)
    if not ids:
        return {}
    rows = ConfigurationItem.objects.filter(_running_at(at), asset_id__in=ids).order_by(
        "asset_id", "kind", "name"
    )
    for item in rows:
        result[item.asset_id].append(_component(item))
    return dict(result)


def current_software(asset_ids: Iterable[int]) -> dict[int, list[Component]]:
    """What runs on each asset now (``software_at`` as of the current instant)."""
    return software_at(asset_ids, current_time())


def configuration_history(asset: Asset) -> list[Component]:
    """Every version the asset ever ran, by component and start (the desk's history table)."""
    return [_component(i) for i in asset.configuration.order_by("kind", "name", "valid_from")]
