"""A maintenance window needing the customer's approval is announced to its approving contacts."""

from __future__ import annotations

import pytest

from servicepact.changes import services as cs
from servicepact.customers.models import Contact
from servicepact.notifications.choices import Audience
from servicepact.notifications.models import Notification
from servicepact.tickets.testing import world

from .conftest import ny

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]


def test_requested_change_mails_each_contact_who_can_approve_in_their_zone():
    """Portal users with an address are told (times in their zone, named); a contact without a
    portal account cannot approve and is not; another customer's contacts never are."""
    w = world()
    w.contact.email = "it@acme.example"
    w.contact.timezone = "Europe/Berlin"
    w.contact.save()
    Contact.objects.create(customer=w.customer, name="No login", email="nologin@acme.example")
    other = world(code="globex")
    other.contact.email = "it@globex.example"
    other.contact.save()
    change = cs.request_change(
        customer=w.customer,
        title="Replace RAID controller",
        assets=[w.asset],
        planned_start=ny(2025, 6, 14, 2),
        planned_end=ny(2025, 6, 14, 4),
        actor=w.agent,
    )
    [mail] = Notification.objects.all()
    assert (mail.recipient, mail.audience, mail.event) == (
        "it@acme.example",
        Audience.CUSTOMER,
        "change.requested",
    )
    assert mail.subject == (
        f"[{change.number}] Maintenance window awaiting your approval: Replace RAID controller"
    )
    assert (
        "from 2025-06-14 08:00 Europe/Berlin (UTC+02:00) to 2025-06-14 10:00 Europe/Berlin "
        "(UTC+02:00)" in mail.body
    )
    assert f"/portal/changes/{change.pk}/" in mail.body
