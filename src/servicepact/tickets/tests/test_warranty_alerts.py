"""Warranty expiry alerts (``assets.warranty_alerts``): the provider and the customer are told
once per milestone (90 and 30 days before the end), with the tiers to extend to; never for a
warranty already ended or superseded by an extension."""

from __future__ import annotations

from datetime import date

import pytest

from servicepact.accounts.choices import StaffRole
from servicepact.accounts.models import StaffProfile
from servicepact.assets.models import Asset, WarrantyReminder
from servicepact.assets.services import extend_warranty
from servicepact.assets.warranty_alerts import remind_warranty_expiry
from servicepact.notifications.models import Notification
from servicepact.tickets.testing import FR, RES, always_calendar, gold_tier, plan, user, warranty
from servicepact.tickets.testing import world as make_world

from .conftest import ny

pytestmark = pytest.mark.django_db
EVENT = "asset.warranty_expiring"


@pytest.fixture
def setting(clock):
    """Acme (New York) with a manager on staff and a contact receiving statements; spare01
    under Gold to 2025-09-30."""
    clock.at(ny(2025, 6, 1, 10))
    w = make_world()
    manager = user("manager", staff=True)
    manager.email = "manager@provider.test"
    manager.save()
    StaffProfile.objects.create(user=manager, role=StaffRole.SERVICE_MANAGER)
    w.contact.email = "it@acme.test"
    w.contact.save()
    spare = Asset.objects.create(customer=w.customer, site=w.site, hostname="spare01")
    gold = gold_tier()
    return w, gold, warranty(spare, gold, date(2023, 1, 1), date(2025, 9, 30))


def _sent() -> list[tuple[str, str]]:
    rows = Notification.objects.filter(event=EVENT).order_by("channel", "recipient")
    return list(rows.values_list("channel", "recipient"))


def test_alerts_at_90_and_30_days_once_each_with_the_offer(setting):
    """2025-06-01: 121 days left, nothing. 2025-07-03: 89 days, the 90-day alert: the manager
    in the app and by e-mail, the contact by e-mail. Again the same day: nothing more.
    2025-08-31: 30 days, the 30-day alert. The offer lists Gold, then the stricter Platinum
    (P1 first response 10 min), not the world's own weaker plan."""
    plan(always_calendar("platinum"), code="platinum", targets={(1, FR): 10, (1, RES): 240})
    assert remind_warranty_expiry(now=ny(2025, 6, 1, 10)) == 0
    assert remind_warranty_expiry(now=ny(2025, 7, 3, 10)) == 1
    assert _sent() == [
        ("email", "it@acme.test"),
        ("email", "manager@provider.test"),
        ("in_app", "manager"),
    ]
    body = Notification.objects.filter(event=EVENT).first().body
    assert body == (
        "The Gold 7x24x4 warranty (manufacturer) of spare01 ends on 2025-09-30 (in 89 days). "
        "After that date no warranty covers it. It can be extended or upgraded to: "
        "Gold 7x24x4, Platinum."
    )
    assert remind_warranty_expiry(now=ny(2025, 7, 3, 11)) == 0
    assert len(_sent()) == 3
    assert remind_warranty_expiry(now=ny(2025, 8, 31, 10)) == 1
    assert len(_sent()) == 6
    assert sorted(WarrantyReminder.objects.values_list("days", flat=True)) == [30, 90]


def test_no_alert_for_an_ended_or_an_extended_warranty(setting):
    """On 2025-07-03 only spare01 (89 days left) is alerted: old01 ended on 2025-06-30, and
    ext01's warranty (ending 2025-08-15) was extended to 2026-08-15 (408 days left)."""
    w, gold, _entitlement = setting
    old = Asset.objects.create(customer=w.customer, hostname="old01")
    warranty(old, gold, date(2022, 7, 1), date(2025, 6, 30))
    ext = Asset.objects.create(customer=w.customer, hostname="ext01")
    extend_warranty(
        warranty=warranty(ext, gold, date(2022, 8, 16), date(2025, 8, 15)),
        ends_on=date(2026, 8, 15),
    )
    assert remind_warranty_expiry(now=ny(2025, 7, 3, 10)) == 1
    hosts = {n.payload["hostname"] for n in Notification.objects.filter(event=EVENT)}
    assert hosts == {"spare01"}
