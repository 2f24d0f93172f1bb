"""Approved guarantee claims for the period close (``billing.charges.close_charges``).

Rule: an approved claim is charged (a negative line) in the first period charge of its
contract that is closed after the approval and whose month ends after the approval
instant. A month whose charge is already produced is never touched: the claim waits for the
next one. The close stamps ``charged_period`` in its own transaction, so a claim is charged
once; pending and declined claims never are.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from servicepact.aftercare.choices import ClaimStatus
from servicepact.aftercare.models import GuaranteeClaim


@dataclass(frozen=True)
class ClaimRow:
    id: int
    ticket_number: str
    kind: str
    amount: Decimal
    currency: str


def claims_to_charge(
    contract_ids: Sequence[int], month_ends: Mapping[int, datetime]
) -> dict[int, list[ClaimRow]]:
    """Per contract, its approved, uncharged claims decided by the month's end (one query,
    rows locked for the close's transaction)."""
    if not contract_ids:
        return {}
    rows = (
        GuaranteeClaim.objects.select_for_update(of=("self",))
        .filter(
            contract_id__in=contract_ids,
            status=ClaimStatus.APPROVED,
            charged_period="",
            decided_at__lte=max(month_ends[c] for c in contract_ids),
        )
        .order_by("decided_at", "id")
        .values_list(
            "id", "contract_id", "decided_at", "ticket__number", "kind", "amount", "currency"
        )
    )
    claims: dict[int, list[ClaimRow]] = defaultdict(list)
    for pk, contract_id, decided_at, number, kind, amount, currency in rows:
        # each contract's month ends in its customer's zone
        if decided_at is not None and decided_at <= month_ends[contract_id]:
            claims[contract_id].append(ClaimRow(pk, number or "", kind, amount, currency))
    return claims


def mark_charged(claim_ids: Sequence[int], period: str) -> int:
    """Stamps the claims as charged in ``period`` (only those not charged yet)."""
    return GuaranteeClaim.objects.filter(pk__in=claim_ids, charged_period="").update(
        charged_period=period
    )
