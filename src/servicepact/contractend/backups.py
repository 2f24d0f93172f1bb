"""The "last verified backup per asset" section of the checklist: a list of providers.

A provider is a callable ``(contract, asset_ids) -> iterable of facts``; the checklist asks
every provider named in ``SERVICEPACT["CONTRACT_END_BACKUP_PROVIDERS"]`` (dotted paths, read
at call time) and keeps, per asset, the newest verified fact. A fact is a ``BackupFact`` or
any object with ``asset_id``, ``location`` and ``verified_at`` (or ``finished_at``), and
optionally ``taken_at``/``started_at`` and ``label``: a backup app's own run rows fit as they
are. The default list holds ``recorded_backups`` (backups staff recorded here) and
``reported_backups`` (the runs backup tools reported, ``servicepact.backups``). An asset no
provider knows is shown as "no verified backup known" (docs/contract-end.md).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.utils.module_loading import import_string

from servicepact.assets.models import Asset
from servicepact.backups.selectors import last_good_backup
from servicepact.contractend.models import RecordedBackup
from servicepact.contracts.models import Contract
from servicepact.core.config import option

DEFAULT_PROVIDERS = (
    "servicepact.contractend.backups.recorded_backups",
    "servicepact.contractend.backups.reported_backups",
)

Provider = Callable[[Contract, list[int]], Iterable[Any]]


@dataclass(frozen=True)
class BackupFact:
    asset_id: int
    verified_at: datetime
    location: str
    taken_at: datetime | None = None
    label: str = ""
    source: str = ""


@dataclass(frozen=True)
class AssetBackup:
    asset: Asset
    last: BackupFact | None


def recorded_backups(contract: Contract, asset_ids: list[int]) -> Iterable[BackupFact]:
    """The newest recorded backup per asset of the contract."""
    rows = (
        RecordedBackup.objects.filter(contract=contract, asset_id__in=asset_ids)
        .order_by("asset_id", "-verified_at", "-id")
        .values_list("asset_id", "verified_at", "location", "taken_at", "note")
    )
    seen: set[int] = set()
    for asset_id, verified_at, location, taken_at, note in rows:
        if asset_id not in seen:
            seen.add(asset_id)
            yield BackupFact(asset_id, verified_at, location, taken_at, note, "recorded")


def reported_backups(contract: Contract, asset_ids: list[int]) -> Iterable[BackupFact]:
    """The last successful run of each asset's copies, as the backup tools reported them
    (``backups.selectors.last_good_backup``): one fact per copy location, the checklist
    keeps the newest."""
    for asset_id, copies in last_good_backup(asset_ids).items():
        for location, run in copies.items():
            yield BackupFact(
                asset_id=asset_id,
                verified_at=run.finished_at,
                location=location,
                taken_at=run.started_at,
                label=run.snapshot,
                source="reported",
            )


def as_fact(found: Any, source: str) -> BackupFact | None:
    """A provider's row as a ``BackupFact`` (None when it says nothing usable)."""
    if isinstance(found, BackupFact):
        return found

    def get(name: str) -> Any:
        if isinstance(found, dict):
            return found.get(name)
        return getattr(found, name, None)

    verified = get("verified_at") or get("finished_at")
    asset_id = get("asset_id")
    if verified is None or asset_id is None:
        return None
    return BackupFact(
        asset_id=int(asset_id),
        verified_at=verified,
        location=str(get("location") or ""),
        taken_at=get("taken_at") or get("started_at"),
        label=str(get("label") or ""),
        source=source,
    )


def providers() -> list[tuple[str, Provider]]:
    paths = option("CONTRACT_END_BACKUP_PROVIDERS", DEFAULT_PROVIDERS)
    return [(path, import_string(path)) for path in paths]


def contract_assets(contract: Contract) -> list[Asset]:
    return list(
        Asset.objects.filter(contract_lines__contract=contract).distinct().order_by("hostname")
    )


def last_verified_backups(contract: Contract) -> list[AssetBackup]:
    """Every asset of the contract with its newest verified backup any provider knows."""
    assets = contract_assets(contract)
    ids = [a.pk for a in assets]
    newest: dict[int, BackupFact] = {}
    for path, provider in providers():
        for found in provider(contract, ids):
            fact = as_fact(found, path.rsplit(".", 1)[-1])
            if fact is None or fact.asset_id not in ids:
                continue
            if fact.asset_id not in newest or fact.verified_at > newest[fact.asset_id].verified_at:
                newest[fact.asset_id] = fact
    return [AssetBackup(asset, newest.get(asset.pk)) for asset in assets]
