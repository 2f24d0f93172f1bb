"""Change conflicts: what the calendar and the change page warn about, each one explained.

Two kinds (docs/changes.md, "Conflicts"):

- overlap: two changes still on the calendar (requested, approved or carried out) share an
  asset and their windows [start, end) overlap;
- blackout: a change's window overlaps a blackout period of its contract or of a contract
  covering one of its assets (e.g. the year-end freeze).

A conflict does not block a change: it is shown to the board and the customer who decide.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q
from django.utils.translation import gettext as _

from servicepact.assets.models import ContractLine
from servicepact.changes.choices import CALENDAR_STATUSES
from servicepact.changes.models import Change
from servicepact.contracts.models import Blackout
from servicepact.core.time import format_instant


@dataclass(frozen=True)
class Conflict:
    change_id: int
    kind: str  # "overlap" | "blackout"
    message: str
    other_change_id: int | None = None
    blackout_id: int | None = None


def _span(start: datetime, end: datetime, tz: str) -> str:
    return f"{format_instant(start, tz)} – {format_instant(end, tz)}"


def conflicts_for_changes(changes: Sequence[Change]) -> dict[int, list[Conflict]]:
    """Conflicts of each given change, {change id: [conflicts]}; three queries in all."""
    result: dict[int, list[Conflict]] = defaultdict(list)
    changes = [c for c in changes if c.status in CALENDAR_STATUSES]
    if not changes:
        return {}
    ids = [c.pk for c in changes]
    through = Change.assets.through
    mine: dict[int, set[int]] = defaultdict(set)
    for change_id, asset_id in through.objects.filter(change_id__in=ids).values_list(
        "change_id", "asset_id"
    ):
        mine[change_id].add(asset_id)
    all_assets = set().union(*mine.values()) if mine else set()
    lo = min(c.planned_start for c in changes)
    hi = max(c.planned_end for c in changes)
    others = through.objects.filter(
        asset_id__in=all_assets,
        change__status__in=CALENDAR_STATUSES,
        change__planned_start__lt=hi,
        change__planned_end__gt=lo,
    ).values_list(
        "change_id",
        "asset_id",
        "asset__hostname",
        "change__planned_start",
        "change__planned_end",
    )
    by_asset: dict[int, list[tuple[int, str, datetime, datetime]]] = defaultdict(list)
    for change_id, asset_id, hostname, start, end in others:
        by_asset[asset_id].append((change_id, hostname, start, end))
    for change in changes:
        tz = change.customer.timezone
        seen: set[int] = set()
        for asset_id in sorted(mine[change.pk]):
            for other_id, hostname, start, end in by_asset[asset_id]:
                if other_id == change.pk or other_id in seen:
                    continue
                if start < change.planned_end and end > change.planned_start:
                    seen.add(other_id)
                    result[change.pk].append(
                        Conflict(
                            change_id=change.pk,
                            kind="overlap",
                            other_change_id=other_id,
                            message=_(
                                "Overlaps change CH-%(other)06d on %(asset)s: its window "
                                "%(span)s meets this one."
                            )
                            % {"other": other_id, "asset": hostname, "span": _span(start, end, tz)},
                        )
                    )
    _blackouts(changes, mine, lo, hi, result)
    return dict(result)


def _blackouts(
    changes: Sequence[Change],
    mine: dict[int, set[int]],
    lo: datetime,
    hi: datetime,
    result: dict[int, list[Conflict]],
) -> None:
    contracts_of_asset: dict[int, set[int]] = defaultdict(set)
    all_assets = set().union(*mine.values()) if mine else set()
    for asset_id, contract_id in ContractLine.objects.filter(asset_id__in=all_assets).values_list(
        "asset_id", "contract_id"
    ):
        contracts_of_asset[asset_id].add(contract_id)
    contract_ids = {c.contract_id for c in changes if c.contract_id} | set().union(
        *contracts_of_asset.values()
    )
    blackouts = list(
        Blackout.objects.filter(
            Q(contract_id__in=contract_ids), starts_at__lt=hi, ends_at__gt=lo
        ).select_related("contract")
    )
    for change in changes:
        theirs = {change.contract_id} if change.contract_id else set()
        for asset_id in mine[change.pk]:
            theirs |= contracts_of_asset[asset_id]
        for b in blackouts:
            if b.contract_id not in theirs:
                continue
            if b.starts_at < change.planned_end and b.ends_at > change.planned_start:
                result[change.pk].append(
                    Conflict(
                        change_id=change.pk,
                        kind="blackout",
                        blackout_id=b.pk,
                        message=_(
                            "Inside the blackout period “%(name)s” of contract %(contract)s "
                            "(%(span)s): no change should run then."
                        )
                        % {
                            "name": b.name,
                            "contract": b.contract.number,
                            "span": _span(b.starts_at, b.ends_at, change.customer.timezone),
                        },
                    )
                )


def conflicts_for(change: Change) -> list[Conflict]:
    """The conflicts of one change (the change page, the API)."""
    return conflicts_for_changes([change]).get(change.pk, [])
