"""Tenancy: another customer's objects do not exist for a contact (404 on every endpoint),
internal comments and events never reach contacts, and contact lists hold own objects only."""

from __future__ import annotations

from typing import Any

import pytest

from servicepact.tickets import services as ts
from servicepact.tickets.models import Comment, TicketEvent

from .conftest import ny, open_ticket

pytestmark = pytest.mark.django_db

# (method, path, body): {t} ticket, {customer} {site} {contact} {asset} {contract} {plan}
# {calendar} are Acme's; Globex's contact calls them all.
ENDPOINTS: list[tuple[str, str, Any]] = [
    ("get", "/tickets/{t}", None),
    ("get", "/tickets/{t}/events", None),
    ("get", "/tickets/{t}/comments", None),
    ("post", "/tickets/{t}/comments", {"body": "hello"}),
    ("post", "/tickets/{t}/acknowledge", None),
    ("post", "/tickets/{t}/start", None),
    ("post", "/tickets/{t}/pause", {"reason": "x"}),
    ("post", "/tickets/{t}/resume", None),
    ("post", "/tickets/{t}/restore", {}),
    ("post", "/tickets/{t}/propose-solution", {"solution": "x"}),
    ("post", "/tickets/{t}/resolve", {}),
    ("post", "/tickets/{t}/close", None),
    ("post", "/tickets/{t}/reopen", {"reason": "x"}),
    ("post", "/tickets/{t}/onsite-arrival", {}),
    ("post", "/tickets/{t}/priority", {"priority": 1, "reason": "x"}),
    ("post", "/tickets/{t}/assign", {"assignee": None}),
    ("get", "/customers/{customer}", None),
    ("patch", "/customers/{customer}", {"name": "x"}),
    ("get", "/sites/{site}", None),
    ("patch", "/sites/{site}", {"name": "x"}),
    ("get", "/contacts/{contact}", None),
    ("patch", "/contacts/{contact}", {"name": "x"}),
    ("get", "/assets/{asset}", None),
    ("patch", "/assets/{asset}", {"vendor": "x"}),
    ("get", "/assets/{asset}/coverage", None),
    ("get", "/contracts/{contract}", None),
    ("get", "/contracts/{contract}/versions", None),
    ("get", "/contracts/{contract}/versions/1", None),
    (
        "post",
        "/contracts/{contract}/versions",
        {"effective_from": "2025-07-01T00:00:00Z", "reason": "x"},
    ),
    ("get", "/contracts/{contract}/lines", None),
    ("post", "/contracts/{contract}/lines", {"asset": 1}),
    ("post", "/contracts/{contract}/activate", None),
    ("post", "/contracts/{contract}/terminate", {"on": "2025-09-30", "reason": "x"}),
    ("get", "/plans/{plan}", None),
    ("put", "/plans/{plan}/targets", {"priority": 1, "metric": "resolution", "target_minutes": 1}),
    ("get", "/calendars/{calendar}", None),
    ("get", "/calendars/{calendar}/engine", None),
    ("post", "/calendars/{calendar}/hours", {"weekly": "24x7"}),
    ("put", "/calendars/{calendar}/overrides/2025-07-04", {"windows": []}),
    ("post", "/calendars/{calendar}/holidays", {"holidays": ["2025-07-04"]}),
]


@pytest.fixture
def acme_ticket(acme, clock):
    clock.at(ny(2025, 6, 2, 9))
    return open_ticket(acme)


def _call(api, method, path, body):
    if method == "get":
        return api.get(path)
    return getattr(api, method)(path, body if body is not None else {})


@pytest.mark.parametrize(("method", "template", "body"), ENDPOINTS)
def test_other_customers_contact_gets_404_everywhere(
    globex_contact, acme, acme_ticket, method, template, body
):
    """Globex's contact asks for Acme's objects: 404 {"detail": "Not Found"}, nothing written."""
    path = template.format(
        t=acme_ticket.pk,
        customer=acme.customer.pk,
        site=acme.site.pk,
        contact=acme.contact.pk,
        asset=acme.asset.pk,
        contract=acme.contract.pk,
        plan=acme.plan.pk,
        calendar=acme.calendar.pk,
    )
    events = TicketEvent.objects.count()
    response = _call(globex_contact, method, path, body)
    assert response.status_code == 404, path
    assert response.json() == {"detail": "Not Found"}
    assert TicketEvent.objects.count() == events


@pytest.mark.parametrize(("method", "template", "body"), ENDPOINTS[:4])
def test_user_without_a_role_gets_404(stranger, acme_ticket, method, template, body):
    """Logged in but nobody's contact and not staff: the ticket does not exist either."""
    response = _call(stranger, method, template.format(t=acme_ticket.pk), body)
    assert response.status_code == 404


def test_internal_comments_and_events_never_reach_contacts(
    staff, acme_contact, acme, acme_ticket, clock
):
    """Staff write an internal note and assign (internal event); the contact sees neither,
    in the detail or the sub-resources; staff see both."""
    clock.at(ny(2025, 6, 2, 9, 5))
    staff.post(
        f"/tickets/{acme_ticket.pk}/comments", {"body": "Customer is grumpy", "internal": True}
    )
    staff.post(f"/tickets/{acme_ticket.pk}/comments", {"body": "We are on it"})
    staff.post(f"/tickets/{acme_ticket.pk}/assign", {"assignee": acme.agent.pk})
    assert Comment.objects.filter(ticket=acme_ticket).count() == 2

    seen = acme_contact.get(f"/tickets/{acme_ticket.pk}").json()
    assert [e["kind"] for e in seen["events"]] == ["opened", "commented"]
    assert all(e["public"] for e in seen["events"])
    assert [c["body"] for c in seen["comments"]] == ["We are on it"]
    assert acme_contact.get(f"/tickets/{acme_ticket.pk}/events").json()["count"] == 2
    comments = acme_contact.get(f"/tickets/{acme_ticket.pk}/comments").json()
    assert [c["body"] for c in comments["items"]] == ["We are on it"]

    full = staff.get(f"/tickets/{acme_ticket.pk}").json()
    assert [e["kind"] for e in full["events"]] == ["opened", "commented", "commented", "assigned"]
    assert [c["internal"] for c in full["comments"]] == [True, False]


@pytest.mark.parametrize(
    ("path", "own"),
    [
        ("/customers", ["Acme"]),
        ("/sites", ["HQ"]),
        ("/contacts", ["acme IT"]),
        ("/assets", ["acme-srv01"]),
        ("/contracts", ["ACME-1"]),
        ("/plans", ["Acme Plan"]),
        ("/calendars", ["acme hours"]),
        ("/tickets", ["Disk failure"]),
    ],
)
def test_contact_lists_hold_only_own_objects(acme_contact, globex, acme_ticket, clock, path, own):
    """With a Globex ticket too, each of Acme's lists names only Acme's objects."""
    open_ticket(globex)
    body = acme_contact.get(path).json()
    label = {
        "/assets": "hostname",
        "/contracts": "number",
        "/tickets": "subject",
    }.get(path, "name")
    assert ([item[label] for item in body["items"]], body["count"]) == (own, len(own))


def test_contact_may_act_on_its_own_ticket_after_resolution(acme_contact, acme, acme_ticket, clock):
    """The same close endpoint that is 404 for Globex works for Acme's contact."""
    ts.acknowledge_ticket(ticket=acme_ticket, actor=acme.agent)
    ts.resolve_ticket(ticket=acme_ticket, actor=acme.agent, resolution="done")
    assert acme_contact.post(f"/tickets/{acme_ticket.pk}/close").json()["status"] == "closed"
