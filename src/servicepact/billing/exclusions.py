"""Force majeure: which breaches and which downtime earn no credit, and why."""

from __future__ import annotations

from dataclasses import dataclass

from servicepact.billing.models import ForceMajeure
from servicepact.contracts.models import Contract
from servicepact.core.time import to_epoch


@dataclass(frozen=True)
class ForceMajeureRules:
    tickets: dict[int, str]  # ticket id -> reason
    periods: tuple[tuple[int, int, str], ...]  # [start, end) epoch seconds, reason

    def reason_for(self, ticket_id: int, opened: int, breached_at: int) -> str | None:
        """Why a breach is excluded: its ticket is flagged, or the ticket was opened or the
        breach fell inside a flagged period. None: it counts."""
        if ticket_id in self.tickets:
            return self.tickets[ticket_id]
        for start, end, reason in self.periods:
            if start <= opened < end or start <= breached_at < end:
                return reason
        return None

    def overlap_seconds(self, start: int, end: int) -> int:
        """Wall-clock seconds of [start, end) inside flagged periods (periods may overlap)."""
        cuts = sorted(
            (max(a, start), min(b, end)) for a, b, _ in self.periods if a < end and b > start
        )
        total, reach = 0, start
        for a, b in cuts:
            a = max(a, reach)
            if b > a:
                total += b - a
                reach = b
        return total


def force_majeure_rules(contract: Contract) -> ForceMajeureRules:
    tickets: dict[int, str] = {}
    periods: list[tuple[int, int, str]] = []
    for fm in ForceMajeure.objects.filter(contract=contract).order_by("flagged_at", "id"):
        label = f"force majeure: {fm.reason}"
        if fm.ticket_id is not None:
            tickets.setdefault(fm.ticket_id, label)
        if fm.starts_at is not None and fm.ends_at is not None:
            periods.append((to_epoch(fm.starts_at), to_epoch(fm.ends_at), label))
    return ForceMajeureRules(tickets, tuple(periods))
