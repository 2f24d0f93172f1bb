"""The admin is a window, not a door: nothing saved there moves an open deadline unrecorded.

Terms (targets, versions, contract dates, calendar hours and zone) are read-only in the
admin; the one calendar edit it offers (importing holidays) goes through the service, bumps
the revision, and the recompute records why the deadline moved.

World: Mon-Fri 09:00-18:00 America/New_York, P2 resolution 480 business minutes.
"""

from __future__ import annotations

from typing import Any

import pytest
from django import forms
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import translation

from servicepact.contracts.choices import Metric
from servicepact.contracts.models import Calendar, Contract, ContractVersion, SlaTarget
from servicepact.tickets import services as ts
from servicepact.tickets.choices import EventKind
from servicepact.tickets.models import SlaClock, TicketEvent
from servicepact.tickets.testing import World, world

from .conftest import ny

pytestmark = pytest.mark.django_db


@pytest.fixture
def root() -> Client:
    client = Client()
    client.force_login(get_user_model().objects.create_superuser("root", "root@x.test", "pw"))
    return client


def form_data(client: Client, url: str) -> dict[str, Any]:
    """What the browser would post back unchanged from the change page at ``url``."""
    page = client.get(url)
    assert page.status_code == 200
    forms_on_page = [page.context["adminform"].form]
    data: dict[str, Any] = {}
    for inline in page.context["inline_admin_formsets"]:
        formset = inline.formset
        forms_on_page += [formset.management_form, *formset.forms]
    for form in forms_on_page:
        for name, field in form.fields.items():
            value = form[name].value()  # already as the widget renders it
            if isinstance(field, forms.BooleanField):
                if value:
                    data[form.add_prefix(name)] = "on"
                continue
            if value is not None:
                data[form.add_prefix(name)] = value
    return data


def resolution(w: World) -> Any:
    """Opens a P2 ticket now; returns it and its resolution clock."""
    ticket = ts.open_ticket(
        customer=w.customer, contact=w.contact, asset=w.asset, subject="Disk", impact=2, urgency=2
    )
    return ticket, SlaClock.objects.get(ticket=ticket, metric=Metric.RESOLUTION)


def moved(ticket: Any) -> list[dict[str, Any]]:
    events = TicketEvent.objects.filter(ticket=ticket, kind=EventKind.DEADLINE_MOVED)
    return [e.data for e in events.order_by("id")]


def test_a_plan_target_posted_in_the_admin_is_not_saved(root, clock):
    """The plan's P2 resolution target shows on its page but a changed value posted back is
    ignored: the target stays 480 min and the open ticket's deadline (Mon 17:00) is unmoved."""
    clock.at(ny(2025, 6, 2, 9))
    w = world()
    ticket, before = resolution(w)
    assert before.deadline_at == ny(2025, 6, 2, 17)
    url = f"/admin/contracts/serviceplan/{w.plan.pk}/change/"
    data = form_data(root, url)
    target = SlaTarget.objects.get(plan=w.plan, priority=2, metric=Metric.RESOLUTION)
    # The targets are shown read-only: the page has no input for them.
    page = root.get(url).content.decode()
    assert "480" in page and 'name="targets-0-target_minutes"' not in page
    (prefix,) = [k[: -len("-id")] for k, v in data.items() if k.endswith("-id") and v == target.pk]
    data[f"{prefix}-target_minutes"] = "60"
    response = root.post(url, data)
    assert response.status_code == 302
    target.refresh_from_db()
    assert target.target_minutes == 480
    ts.recompute_stale_clocks()
    assert SlaClock.objects.get(pk=before.pk).deadline_at == ny(2025, 6, 2, 17)
    assert moved(ticket) == []


def test_contract_versions_cannot_be_changed_added_or_deleted_in_the_admin(root, clock):
    """Versions are history: their change page is view-only, a POST is refused (403), and
    there is no add page; amending goes through ``amend_contract_terms``."""
    clock.at(ny(2025, 6, 2, 9))
    w = world()
    version = ContractVersion.objects.get(contract=w.contract, number=1)
    url = f"/admin/contracts/contractversion/{version.pk}/change/"
    assert root.get(url).status_code == 200
    assert root.post(url, {"number": 1, "reason": "edited"}).status_code == 403
    assert root.get("/admin/contracts/contractversion/add/").status_code == 403
    assert root.post(f"/admin/contracts/contractversion/{version.pk}/delete/").status_code == 403
    version.refresh_from_db()
    assert version.reason == "Initial terms"


def test_the_contract_admin_changes_only_its_manager_and_notice(root, clock):
    """Posting a new end date, grace period and fee alongside a new notice period saves the
    notice period only; contracts cannot be added or deleted in the admin."""
    clock.at(ny(2025, 6, 2, 9))
    w = world()
    url = f"/admin/contracts/contract/{w.contract.pk}/change/"
    data = form_data(root, url)
    assert set(data) >= {"notice_days"}
    assert not {"end_date", "grace_days", "fee_amount", "plan"} & set(data)
    data.update(notice_days="60", end_date="2025-06-30", grace_days="0", fee_amount="1")
    assert root.post(url, data).status_code == 302
    contract = Contract.objects.get(pk=w.contract.pk)
    assert (contract.notice_days, str(contract.end_date), contract.grace_days) == (
        60,
        "2026-12-31",
        30,
    )
    assert root.get("/admin/contracts/contract/add/").status_code == 403
    assert root.post(f"/admin/contracts/contract/{w.contract.pk}/delete/").status_code == 403


def test_calendar_hours_and_zone_posted_in_the_admin_are_not_saved(root, clock):
    """A new name is saved; a new zone and hours posted with it are not, the revision stays,
    so nothing is recomputed and no deadline moves."""
    clock.at(ny(2025, 6, 2, 9))
    w = world()
    ticket, before = resolution(w)
    url = f"/admin/contracts/calendar/{w.calendar.pk}/change/"
    data = form_data(root, url)
    hours = w.calendar.hours.get()
    data.update(
        {
            "name": "Renamed hours",
            "timezone": "Asia/Tokyo",
            "hours-0-id": hours.pk,
            "hours-0-weekly": '"24x7"',
        }
    )
    assert root.post(url, data).status_code == 302
    calendar = Calendar.objects.get(pk=w.calendar.pk)
    assert (calendar.name, calendar.timezone, calendar.revision) == (
        "Renamed hours",
        "America/New_York",
        1,
    )
    assert calendar.hours.get().weekly == hours.weekly
    assert ts.recompute_stale_clocks() == 0
    assert SlaClock.objects.get(pk=before.pk).deadline_at == ny(2025, 6, 2, 17)
    assert moved(ticket) == []


def test_holidays_imported_in_the_admin_move_the_deadline_with_a_record(root, clock):
    """The admin's holiday import goes through the service: the revision bumps and the
    recompute moves a P2 opened Thu 3 July 17:00 from Fri 4 July 16:00 (1 h Thu + 7 h Fri)
    to Mon 7 July 16:00 (Independence Day is closed), recording why."""
    clock.at(ny(2025, 7, 3, 17))
    w = world()
    ticket, before = resolution(w)
    assert before.deadline_at == ny(2025, 7, 4, 16)
    response = root.post(
        "/admin/contracts/calendar/",
        {
            "action": "import_holidays",
            "_selected_action": [w.calendar.pk],
            "apply": "1",
            "country": "US",
            "first_year": "2025",
            "last_year": "2025",
        },
    )
    assert response.status_code == 302
    assert Calendar.objects.get(pk=w.calendar.pk).revision == 2
    assert ts.recompute_stale_clocks() == 1
    assert SlaClock.objects.get(pk=before.pk).deadline_at == ny(2025, 7, 7, 16)
    # Restore (240 min) moves too: Fri 12:00 -> Mon 12:00; first response (60 min) met Thu 18:00.
    note = {
        "kind": "calendar_changed",
        "params": {"calendar": w.calendar.name, "before": 1, "after": 2},
    }
    assert moved(ticket) == [
        {
            "metric": "restore",
            "before": "2025-07-04T16:00:00+00:00",
            "after": "2025-07-07T16:00:00+00:00",
            "reason": f"calendar {w.calendar.name} changed (revision 1 -> 2)",
            "reason_note": note,
        },
        {
            "metric": "resolution",
            "before": "2025-07-04T20:00:00+00:00",
            "after": "2025-07-07T20:00:00+00:00",
            "reason": f"calendar {w.calendar.name} changed (revision 1 -> 2)",
            "reason_note": note,
        },
    ]


def test_amend_contract_terms_re_measures_open_tickets(clock):
    """The one amendment service: a v2 with P2 resolution 240 min in force since 1 June moves
    a ticket opened Mon 09:00 from 17:00 to 13:00 and records the move with the reason."""
    clock.at(ny(2025, 6, 2, 9))
    w = world()
    ticket, before = resolution(w)
    clock.at(ny(2025, 6, 2, 10))
    version = ts.amend_contract_terms(
        contract=w.contract,
        effective_from=ny(2025, 6, 1),
        reason="Stricter P2",
        target_overrides=[{"priority": 2, "metric": "resolution", "target_minutes": 240}],
    )
    assert version.number == 2
    ticket.refresh_from_db()
    assert ticket.contract_version_id == version.pk
    assert SlaClock.objects.get(pk=before.pk).deadline_at == ny(2025, 6, 2, 13)
    assert moved(ticket) == [
        {
            "metric": "resolution",
            "before": "2025-06-02T21:00:00+00:00",
            "after": "2025-06-02T17:00:00+00:00",
            "reason": f"contract {w.contract.number} v2: Stricter P2",
            "reason_note": {
                "kind": "terms_moved",
                "params": {"contract": w.contract.number, "version": 2, "reason": "Stricter P2"},
            },
        }
    ]
    with translation.override("zh-hans"):
        shown = TicketEvent.objects.get(ticket=ticket, kind=EventKind.DEADLINE_MOVED).reason_text
    assert shown == f"合同 {w.contract.number} v2：Stricter P2"
