"""Warranty expiry alerts: the worker's step that tells the provider and the customer before
an asset's warranty ends, with the tiers it can be extended or upgraded to.

Steps (``remind_warranty_expiry``, idempotent, safe to run many times):
1. Candidates by the indexed ``ends_on``: entitlements ending within the largest alert
   distance (``SERVICEPACT["WARRANTY_ALERT_DAYS"]``, default 90 and 30 days) from today.
2. Skipped: already ended, or superseded (the asset has an entitlement ending later: an
   extension or a newer warranty), or no milestone reached yet.
3. The latest milestone reached (days before the end, in the customer's local date) is
   recorded once (``WarrantyReminder``, unique per entitlement, end date and milestone),
   then the messages go through the outbox: the duty staff (in-app and e-mail) and the
   provider's webhooks, the customer's contractual contacts and the customer's webhooks.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.utils.translation import gettext as _

from servicepact.accounts.duty import duty
from servicepact.assets.coverage import source_label, strictness_of_plan
from servicepact.assets.models import WarrantyEntitlement, WarrantyReminder
from servicepact.assets.selectors import superseded
from servicepact.contracts.lifecycle import contact_addresses
from servicepact.contracts.models import ServicePlan
from servicepact.core.config import option
from servicepact.core.time import local_date
from servicepact.notifications.choices import Audience
from servicepact.notifications.services import Message, notify_email, notify_user, notify_webhooks

DEFAULT_WARRANTY_ALERT_DAYS = (90, 30)


def alert_days() -> list[int]:
    """The alert distances in days before the end, ascending (setting ``WARRANTY_ALERT_DAYS``)."""
    days = option("WARRANTY_ALERT_DAYS", DEFAULT_WARRANTY_ALERT_DAYS)
    return sorted({int(d) for d in days if int(d) > 0})


def offer_tiers(plan: ServicePlan) -> list[ServicePlan]:
    """The tiers one can extend to: the same tier, then the active plans with stricter P1
    targets (first response, then resolution; the coverage rule), strictest first."""
    mine = strictness_of_plan(plan)
    better = [
        (strictness_of_plan(p), p.name, p)
        for p in ServicePlan.objects.filter(is_active=True).exclude(pk=plan.pk)
    ]
    return [plan, *(p for rank, _name, p in sorted(better) if rank < mine)]


def remind_warranty_expiry(*, now: datetime) -> int:
    """Steps 1-3 above; returns how many alerts were sent."""
    days = alert_days()
    if not days:
        return 0
    horizon = now.date() + timedelta(days=days[-1] + 1)
    rows = (
        WarrantyEntitlement.objects.filter(ends_on__gte=now.date() - timedelta(days=1))
        .filter(ends_on__lte=horizon)
        .exclude(superseded())
        .select_related("asset__customer", "plan")
        .order_by("ends_on", "id")
    )
    return sum(_remind(warranty, days, now) for warranty in rows)


@transaction.atomic
def _remind(warranty: WarrantyEntitlement, days: list[int], now: datetime) -> bool:
    customer = warranty.asset.customer
    left = (warranty.ends_on - local_date(now, customer.timezone)).days
    due = [d for d in days if d >= left]
    if left < 0 or not due:
        return False
    # The entitlement's row lock serialises two workers on the same alert.
    WarrantyEntitlement.objects.select_for_update().filter(pk=warranty.pk).exists()
    _reminder, created = WarrantyReminder.objects.get_or_create(
        warranty=warranty, ends_on=warranty.ends_on, days=due[0], defaults={"sent_at": now}
    )
    if not created:
        return False
    _tell(warranty, due[0], left, now)
    return True


def _tell(warranty: WarrantyEntitlement, days: int, left: int, now: datetime) -> None:
    asset = warranty.asset
    values = {
        "asset": asset.hostname,
        "plan": warranty.plan.name,
        "source": source_label(warranty.source),
        "end": warranty.ends_on.isoformat(),
        "left": left,
        "tiers": ", ".join(p.name for p in offer_tiers(warranty.plan)),
    }
    message = Message(
        event="asset.warranty_expiring",
        subject=_("The warranty of %(asset)s ends on %(end)s") % values,
        body=_(
            "The %(plan)s warranty (%(source)s) of %(asset)s ends on %(end)s (in %(left)d "
            "days). After that date no warranty covers it. It can be extended or upgraded to: "
            "%(tiers)s."
        )
        % values,
        payload={
            "asset_id": asset.pk,
            "hostname": asset.hostname,
            "warranty_id": warranty.pk,
            "tier": warranty.plan.code,
            "ends_on": values["end"],
            "days_before": days,
            "days_left": left,
            "offer": [p.code for p in offer_tiers(warranty.plan)],
        },
    )
    key = f"warranty:{warranty.pk}:{values['end']}:{days}"
    for user in duty().users:
        notify_user(key=key, user=user, message=message, now=now)
    notify_webhooks(key=key, message=message, now=now)
    for contact_id, address in contact_addresses(asset.customer_id):
        notify_email(
            key=f"{key}:contact:{contact_id}",
            address=address,
            message=message,
            audience=Audience.CUSTOMER,
            now=now,
        )
    notify_webhooks(key=key, message=message, customer_id=asset.customer_id, now=now)
