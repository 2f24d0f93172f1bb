"""Customer satisfaction (CSAT) figures: the statement's month, the dashboard's last 30 days,
renewal risk's 90 days. One grouped query each; the mean is over the answered surveys.

Mean = sum of scores / responses, rounded half-up to 2 decimals (scores 5, 4, 4, 2 -> 3.75).
Response rate = tickets resolved in the window with a survey / tickets resolved in it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet

from servicepact.aftercare.choices import SCORES
from servicepact.aftercare.csat_hours import window
from servicepact.aftercare.models import Survey
from servicepact.tickets.models import Ticket

TWO = Decimal("0.01")


@dataclass(frozen=True)
class Csat:
    responses: int
    distribution: dict[int, int]  # score -> count, every score 1..5

    @property
    def mean(self) -> Decimal | None:
        if not self.responses:
            return None
        total = sum(score * n for score, n in self.distribution.items())
        return (Decimal(total) / self.responses).quantize(TWO, rounding=ROUND_HALF_UP)


def csat_of(surveys: QuerySet[Survey]) -> Csat:
    """Responses and distribution of ``surveys`` (one grouped query)."""
    counts = dict(surveys.order_by().values_list("score").annotate(n=Count("pk")))
    distribution = {score: int(counts.get(score, 0)) for score in SCORES}
    return Csat(sum(distribution.values()), distribution)


def contract_csat(contract_id: int, start: datetime, end: datetime) -> Csat:
    """Surveys of the contract answered in ``[start, end)``."""
    return csat_of(
        Survey.objects.filter(contract_id=contract_id, answered_at__gte=start, answered_at__lt=end)
    )


def statement_section(contract_id: int, start: datetime, end: datetime) -> dict[str, Any]:
    """The statement's ``satisfaction`` key (JSON-serialisable: mean as text or None)."""
    csat = contract_csat(contract_id, start, end)
    return {
        "responses": csat.responses,
        "mean": None if csat.mean is None else str(csat.mean),
        "distribution": [{"score": s, "count": csat.distribution[s]} for s in SCORES],
    }


def recent_csat(now: datetime, days: int = 30) -> dict[str, Any]:
    """The dashboard's figures: mean of the surveys answered in the last ``days``, and the
    response rate of the tickets resolved in them. The hours wholly inside the window come
    from the counts the triggers keep per hour (``aftercare.csat_hours``), its two partial
    hours from the rows: equal to ``recent_csat_from_rows``, without reading every ticket
    resolved in the window."""
    since = now - timedelta(days=days)
    counts = window(since, now)
    distribution = counts.distribution
    return _recent(days, Csat(sum(distribution.values()), distribution), counts.resolved,
                   counts.answered)  # fmt: skip


def recent_csat_from_rows(now: datetime, days: int = 30) -> dict[str, Any]:
    """``recent_csat`` counted from every survey and ticket of the window (two queries): the
    definition the hourly counts must equal (the tests compare them)."""
    since = now - timedelta(days=days)
    csat = csat_of(Survey.objects.filter(answered_at__gte=since, answered_at__lte=now))
    resolved = Ticket.objects.filter(
        resolved_at__gte=since, resolved_at__lte=now, contract__isnull=False
    ).aggregate(total=Count("pk"), answered=Count("pk", filter=Q(survey__isnull=False)))
    return _recent(days, csat, resolved["total"], resolved["answered"])


def _recent(days: int, csat: Csat, total: int, answered: int) -> dict[str, Any]:
    rate = None if not total else (Decimal(100 * answered) / total).quantize(TWO, ROUND_HALF_UP)
    return {
        "days": days,
        "responses": csat.responses,
        "mean": None if csat.mean is None else str(csat.mean),
        "resolved": total,
        "answered": answered,
        "response_rate": None if rate is None else str(rate),
    }


def csat_by_contract(ids: list[int], since: datetime, until: datetime) -> dict[int, Csat]:
    """Per contract, the surveys answered in ``[since, until)`` (one grouped query)."""
    rows = (
        Survey.objects.filter(contract_id__in=ids, answered_at__gte=since, answered_at__lt=until)
        .order_by()
        .values_list("contract_id", "score")
        .annotate(n=Count("pk"))
    )
    counts: dict[int, dict[int, int]] = {}
    for contract_id, score, n in rows:
        counts.setdefault(contract_id, dict.fromkeys(SCORES, 0))[score] = n
    return {cid: Csat(sum(d.values()), d) for cid, d in counts.items()}
