"""Work logs from the ticket page: stored by billing.services.log_work with who, day,
duration, work type, billable and note; billable minutes count in the contract's hours."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from servicepact.billing.models import WorkLog
from servicepact.billing.selectors import hours_summary
from servicepact.tickets import services as ts

from .conftest import ny

pytestmark = pytest.mark.django_db


@pytest.fixture
def ticket(clock, acme):
    clock.at(ny(2025, 6, 2, 9))
    t = ts.open_ticket(
        customer=acme.customer,
        contact=acme.contact,
        asset=acme.asset,
        subject="Disk failure",
        impact=2,
        urgency=2,
        actor=acme.contact.user,
    )
    clock.at(ny(2025, 6, 2, 15))
    return t


def post(client, ticket, **data):
    body = {
        "work-user": data.pop("user"),
        "work-date": "2025-06-02",
        "work-minutes": "90",
        "work-work_type": "on_site",
        "work-billable": "on",
        "work-note": "replaced disk",
    }
    body.update({f"work-{k}": v for k, v in data.items()})
    return client.post(f"/desk/tickets/{ticket.pk}/worklogs/", body)


def test_an_agent_logs_work_and_it_counts_in_the_hours(ticket, acme, other_agent, agent_client):
    """90 billable minutes by another engineer on 2 June: 1.50 h used in June."""
    response = post(agent_client, ticket, user=other_agent.pk)
    assert response.status_code == 302
    log = WorkLog.objects.get()
    assert (log.user, log.date, log.minutes, log.work_type, log.billable, log.note) == (
        other_agent,
        date(2025, 6, 2),
        90,
        "on_site",
        True,
        "replaced disk",
    )
    assert hours_summary(acme.contract, "2025-06").used == Decimal("1.50")
    page = agent_client.get(f"/desk/tickets/{ticket.pk}/").content.decode()
    assert "replaced disk" in page and "90 minutes in total." in page


def test_non_billable_work_is_kept_out_of_the_hours(ticket, acme, agent_client):
    response = post(agent_client, ticket, user=acme.agent.pk, billable="")
    assert response.status_code == 302
    summary = hours_summary(acme.contract, "2025-06")
    assert (summary.used, summary.non_billable) == (Decimal("0.00"), Decimal("1.50"))


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"minutes": "0"}, "minutes"),
        ({"minutes": "1441"}, "minutes"),
        ({"date": "2025-06-03"}, "date"),
        ({"work_type": "lunch"}, "work_type"),
        ({"note": "x" * 301}, "note"),
    ],
)
def test_bad_input_is_a_422_naming_the_field(ticket, acme, agent_client, change, field):
    response = post(agent_client, ticket, user=acme.agent.pk, **change)
    assert response.status_code == 422
    assert field in response.context["worklog_form"].errors
    assert WorkLog.objects.count() == 0


def test_a_contact_cannot_be_the_worker_nor_post(ticket, acme, agent_client, contact_client):
    response = post(agent_client, ticket, user=acme.contact.user.pk)
    assert response.status_code == 422
    assert "user" in response.context["worklog_form"].errors
    assert post(contact_client, ticket, user=acme.contact.user.pk).status_code == 404
    assert WorkLog.objects.count() == 0
