"""Hours consumption alerts: at 80 % and 100 % of a month's available maintenance hours, the
service manager (in-app and e-mail) and the customer's contacts are told, once per contract,
month and threshold, through the outbox; the customer's e-mail waits for the contract's
coverage hours (``contracts.lifecycle.tell``: quiet hours outside the calendar)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.utils.translation import gettext as _

from servicepact.billing.hours import month_balance
from servicepact.billing.periods import Period
from servicepact.billing.rates import rate_terms_for_period
from servicepact.contracts.lifecycle import tell
from servicepact.contracts.models import Contract
from servicepact.notifications.services import Message

THRESHOLDS = (100, 80)  # percent of the available hours, the highest reached is told


def reached_threshold(fraction: Decimal | None) -> int | None:
    if fraction is None:
        return None
    return next((t for t in THRESHOLDS if fraction * 100 >= t), None)


def check_hours_alerts(*, contract: Contract, period: Period, now: datetime) -> int | None:
    """Tells of the highest threshold the month's consumption has reached (idempotent: the
    outbox key is per contract, month and threshold); returns it, or None."""
    balance = month_balance(contract, period, rate_terms_for_period(contract, period))
    threshold = reached_threshold(balance.used_fraction)
    if threshold is None:
        return None
    used = balance.drawn + balance.consumed
    message = Message(
        event="hours.threshold",
        subject=_("Contract %(contract)s: %(percent)s %% of the included hours used in %(period)s")
        % {"contract": contract.number, "percent": threshold, "period": period},
        body=_(
            "%(used)s of %(available)s hours used in %(period)s (contract %(contract)s); "
            "hours beyond them are billed as overage at the rate card."
        )
        % {
            "used": used,
            "available": balance.available,
            "period": period,
            "contract": contract.number,
        },
        payload={
            "contract": contract.number,
            "period": str(period),
            "threshold": threshold,
            "used": str(used),
            "available": str(balance.available),
        },
        contract_id=contract.pk,
    )
    tell(
        contract,
        key=f"hours:{contract.pk}:{period}:{threshold}",
        message=message,
        now=now,
        customer=True,
    )
    return threshold
