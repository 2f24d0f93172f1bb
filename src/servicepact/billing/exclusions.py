"""Force majeure: which breaches and which downtime earn no credit, and why."""

from __future__ import annotations

from servicepact.billing.models import ForceMajeure
from servicepact.contracts.models import Contract
from servicepact.core.time import to_epoch
from servicepact.slaclock.statement_rules import ForceMajeureRules

__all__ = ["ForceMajeureRules", "force_majeure_rules"]


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
