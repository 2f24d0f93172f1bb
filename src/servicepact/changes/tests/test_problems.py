"""Problems (ITIL): the cause behind incidents, a known error once its root cause and
workaround are written, resolved by a change; linked tickets and changes of the same
customer only; staff write, contacts read their own (tenancy); API and desk."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client

from servicepact.changes.problems import problems_for, record_problem, update_problem
from servicepact.changes.tests.test_board_and_emergency import request
from servicepact.core.errors import DomainValidationError
from servicepact.tickets import services as ts
from servicepact.tickets.testing import world

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]


@pytest.fixture
def w():
    return world()


def incident(w, subject="Disk errors"):
    return ts.open_ticket(customer=w.customer, contact=w.contact, subject=subject)


def test_open_then_known_error_then_resolved_by_a_change(w):
    """Two incidents with one cause: open; a known error needs its root cause and its
    workaround (422 naming each otherwise); resolved with the fixing change, stamped; a
    reopened problem loses the stamp."""
    first, second = incident(w), incident(w, "Disk errors again")
    problem = record_problem(customer=w.customer, title="RAID controller resets",
                             tickets=[first, second], actor=w.agent)  # fmt: skip
    assert (problem.status, problem.tickets.count()) == ("open", 2)
    with pytest.raises(DomainValidationError) as error:
        update_problem(problem=problem, actor=w.agent, status="known_error")
    assert set(error.value.errors) == {"root_cause", "workaround"}
    problem = update_problem(problem=problem, actor=w.agent, status="known_error",
                             root_cause="Firmware 4.1 bug", workaround="Reboot the controller")  # fmt: skip
    fix = request(w)
    problem = update_problem(problem=problem, actor=w.agent, status="resolved", changes=[fix])
    assert problem.status == "resolved" and problem.resolved_at is not None
    assert list(fix.problems.all()) == [problem]
    problem = update_problem(problem=problem, actor=w.agent, status="open")
    assert problem.resolved_at is None


def test_links_and_writers_are_checked(w):
    """Negative: another customer's ticket or change is a 422; a contact cannot write (403)
    and sees only its customer's problems."""
    other = world(code="beta")
    foreign_ticket = incident(other)
    with pytest.raises(DomainValidationError) as error:
        record_problem(customer=w.customer, title="x", tickets=[foreign_ticket], actor=w.agent)
    assert list(error.value.errors) == ["tickets"]
    with pytest.raises(DomainValidationError) as error:
        record_problem(customer=w.customer, title="x", changes=[request(other)], actor=w.agent)
    assert list(error.value.errors) == ["changes"]
    with pytest.raises(PermissionDenied):
        record_problem(customer=w.customer, title="x", actor=w.contact.user)
    mine = record_problem(customer=w.customer, title="mine", actor=w.agent)
    record_problem(customer=other.customer, title="theirs", actor=w.agent)
    assert list(problems_for(w.contact.user)) == [mine]


def test_the_problems_api(w):
    ticket = incident(w)
    staff = Client()
    staff.force_login(w.agent)
    body = {"customer": w.customer.pk, "title": "RAID resets", "tickets": [ticket.pk]}
    created = staff.post("/api/v1/problems", body, content_type="application/json")
    assert created.status_code == 201, created.content
    pid = created.json()["id"]
    assert created.json()["number"] == f"PRB-{pid:06d}"
    assert created.json()["tickets"] == [{"id": ticket.pk, "number": ticket.number}]
    bad = staff.patch(f"/api/v1/problems/{pid}", {"status": "known_error"},
                      content_type="application/json")  # fmt: skip
    assert bad.status_code == 422
    assert {d["loc"][-1] for d in bad.json()["detail"]} == {"root_cause", "workaround"}
    missing = staff.patch(f"/api/v1/problems/{pid}", {"changes": [999999]},
                          content_type="application/json")  # fmt: skip
    assert missing.status_code == 422
    fix = request(w)
    done = staff.patch(f"/api/v1/problems/{pid}",
                       {"status": "resolved", "root_cause": "firmware", "changes": [fix.pk]},
                       content_type="application/json")  # fmt: skip
    assert done.status_code == 200 and done.json()["changes"] == [fix.pk]
    listed = staff.get(f"/api/v1/problems?change={fix.pk}").json()
    assert [p["id"] for p in listed["items"]] == [pid]
    contact = Client()
    contact.force_login(w.contact.user)
    assert contact.get(f"/api/v1/problems/{pid}").status_code == 200
    assert (
        contact.post("/api/v1/problems", body, content_type="application/json").status_code == 403
    )
    other = Client()
    other.force_login(world(code="beta").contact.user)
    assert other.get(f"/api/v1/problems/{pid}").status_code == 404
    assert other.get("/api/v1/problems").json()["count"] == 0


def test_the_desk_pages(w):
    ticket = incident(w)
    staff = Client()
    staff.force_login(w.agent)
    assert staff.get("/desk/problems/").status_code == 200
    response = staff.post("/desk/problems/", {"customer": w.customer.pk, "title": "RAID",
                                              "status": "open", "tickets": ticket.number})  # fmt: skip
    assert response.status_code == 302
    problem = problems_for(w.agent).get()
    assert list(problem.tickets.all()) == [ticket]
    bad = staff.post(f"/desk/problems/{problem.pk}/", {"title": "RAID", "status": "open",
                                                       "tickets": "SP-999999"})  # fmt: skip
    assert bad.status_code == 422 and "SP-999999" in bad.content.decode()
    fix = request(w)
    saved = staff.post(f"/desk/problems/{problem.pk}/",
                       {"title": "RAID", "status": "resolved", "root_cause": "firmware",
                        "tickets": ticket.number, "changes": fix.number})  # fmt: skip
    assert saved.status_code == 302
    problem.refresh_from_db()
    assert problem.status == "resolved" and list(problem.changes.all()) == [fix]
    assert ticket.number in staff.get(f"/desk/problems/{problem.pk}/").content.decode()
