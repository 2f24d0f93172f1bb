"""Releases: planned per contract with notes per language; shipping e-mails the notes to
each contact of the customer in their own language (notifications outbox), once."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied

from servicepact.changes.releases import plan_release, ship_release
from servicepact.core.errors import DomainValidationError, TransitionError
from servicepact.customers.models import Contact
from servicepact.notifications.models import Notification
from servicepact.tickets.testing import world

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]


@pytest.fixture
def w():
    w = world()
    w.contact.email = "it@acme.test"
    w.contact.save()
    Contact.objects.create(
        customer=w.customer, name="Li", email="li@acme.test", preferred_language="zh-hans"
    )
    Contact.objects.create(customer=w.customer, name="No mail")
    beta = world(code="beta").contact  # another customer's contacts hear nothing
    beta.email = "it@beta.test"
    beta.save()
    return w


def release(w, **kw):
    return plan_release(
        contract=w.contract,
        version=kw.pop("version", "4.2.0"),
        planned_on=date(2025, 6, 20),
        notes=kw.pop("notes", {"en": "Faster reports.", "zh-hans": "报表更快。"}),
        actor=w.agent,
        **kw,
    )


def test_shipping_mails_each_contact_in_their_language(w):
    shipped = ship_release(release=release(w), actor=w.agent)
    assert (shipped.status, shipped.shipped_at is not None) == ("shipped", True)
    mails = {
        n.recipient: n
        for n in Notification.objects.filter(event="release.shipped").order_by("recipient")
    }
    assert sorted(mails) == ["it@acme.test", "li@acme.test"]
    assert "Faster reports." in mails["it@acme.test"].body
    assert "报表更快。" in mails["li@acme.test"].body
    assert "Faster reports." not in mails["li@acme.test"].body
    assert mails["it@acme.test"].subject == "[ACME-1] Release 4.2.0 is shipped"
    with pytest.raises(TransitionError):
        ship_release(release=shipped, actor=w.agent)
    assert Notification.objects.filter(event="release.shipped").count() == 2


def test_notes_fall_back_to_english(w):
    r = release(w, notes={"en": "Only English."})
    assert (r.notes_in("zh-hans"), r.notes_in("en")) == ("Only English.", "Only English.")


def test_validation_names_the_field(w):
    with pytest.raises(DomainValidationError) as err:
        release(w, notes={"fr": "Bonjour"})
    assert list(err.value.errors) == ["notes.fr"]
    release(w)
    with pytest.raises(DomainValidationError) as err:
        release(w)
    assert list(err.value.errors) == ["version"]
    beta = world(code="gamma")
    with pytest.raises(DomainValidationError) as err:
        release(w, version="5", assets=[beta.asset])
    assert list(err.value.errors) == ["assets"]


def test_only_staff_plan_and_ship(w):
    with pytest.raises(PermissionDenied):
        plan_release(
            contract=w.contract, version="1", planned_on=date(2025, 6, 1), actor=w.contact.user
        )
    r = release(w)
    with pytest.raises(PermissionDenied):
        ship_release(release=r, actor=w.contact.user)
    assert Notification.objects.filter(event="release.shipped").count() == 0
