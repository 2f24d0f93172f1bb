"""The transition table: every action the table refuses is refused by the service (409 in
the API, nothing changed); the allowed ones move the status as the table says."""

from __future__ import annotations

import pytest

from servicepact.core.errors import TransitionError
from servicepact.fieldservice import services
from servicepact.fieldservice.choices import WorkOrderStatus as S
from servicepact.fieldservice.models import WorkOrder
from servicepact.fieldservice.transitions import TRANSITIONS, actions_for, allowed

from .conftest import login, ny, p1_ticket, visit

pytestmark = pytest.mark.django_db


def reach(w, order, status):
    """Walks a fresh work order to ``status`` through the services."""
    a = w.agent
    if status in (S.TRAVELLING, S.ON_SITE, S.DONE):
        services.start_travel(work_order=order, actor=a)
    if status in (S.ON_SITE, S.DONE):
        services.record_arrival(work_order=order, actor=a)
    if status == S.DONE:
        services.record_departure(work_order=order, actor=a)
    if status == S.CANCELLED:
        services.cancel_work_order(work_order=order, actor=a, reason="customer closed")
    return WorkOrder.objects.get(pk=order.pk)


CALLS = {
    "travel": lambda o, a: services.start_travel(work_order=o, actor=a),
    "arrive": lambda o, a: services.record_arrival(work_order=o, actor=a),
    "depart": lambda o, a: services.record_departure(work_order=o, actor=a),
    "cancel": lambda o, a: services.cancel_work_order(work_order=o, actor=a, reason="r"),
    "work": lambda o, a: services.record_work_done(work_order=o, actor=a, work_done="done"),
    "sign": lambda o, a: services.sign_work_order(work_order=o, actor=a, signer_name="Pat"),
}
BODIES = {
    "travel": ("travel", {}),
    "arrive": ("arrive", {}),
    "depart": ("depart", {}),
    "cancel": ("cancel", {"reason": "r"}),
    "work": ("work-done", {"work_done": "done"}),
    "sign": ("signature", {"signer_name": "Pat"}),
}


def test_the_table_reads_as_documented():
    assert actions_for(S.PLANNED) == ["travel", "arrive", "cancel"]
    assert actions_for(S.TRAVELLING) == ["arrive", "cancel"]
    assert actions_for(S.ON_SITE) == ["depart", "work", "sign"]
    assert actions_for(S.DONE) == ["work", "sign"]
    assert actions_for(S.CANCELLED) == []
    assert not allowed("fly", S.PLANNED)
    assert set(CALLS) == set(TRANSITIONS) == set(BODIES)


@pytest.mark.parametrize("status", list(S))
def test_every_refused_action_is_a_409_and_changes_nothing(acme, erin, clock, status):
    """For each status, each action the table does not allow: the service raises a
    TransitionError and the API answers 409; the work order's status and instants stay."""
    clock.at(ny(2025, 6, 9, 9))
    order = reach(acme, visit(acme, p1_ticket(acme), erin, ny(2025, 6, 9, 11)), status)
    before = WorkOrder.objects.filter(pk=order.pk).values().get()
    staff = login(acme.agent)
    refused = [a for a in TRANSITIONS if not allowed(a, status)]
    assert refused  # every status refuses something
    for action in refused:
        with pytest.raises(TransitionError):
            CALLS[action](order, acme.agent)
        path, body = BODIES[action]
        response = staff.post(
            f"/api/v1/workorders/{order.pk}/{path}", body, content_type="application/json"
        )
        assert response.status_code == 409, (action, response.content)
    assert WorkOrder.objects.filter(pk=order.pk).values().get() == before


def test_allowed_actions_move_as_the_table_says(acme, erin, clock):
    clock.at(ny(2025, 6, 9, 9))
    order = visit(acme, p1_ticket(acme), erin, ny(2025, 6, 9, 11))
    for action, expected in (("travel", S.TRAVELLING), ("arrive", S.ON_SITE), ("depart", S.DONE)):
        order = CALLS[action](order, acme.agent)
        assert order.status == expected == TRANSITIONS[action].to
    assert CALLS["work"](order, acme.agent).status == S.DONE


def test_a_signed_work_order_is_not_signed_twice(acme, erin, clock):
    clock.at(ny(2025, 6, 9, 9))
    order = reach(acme, visit(acme, p1_ticket(acme), erin, ny(2025, 6, 9, 11)), S.ON_SITE)
    services.sign_work_order(work_order=order, actor=acme.agent, signer_name="Pat Lee")
    with pytest.raises(TransitionError):
        services.sign_work_order(work_order=order, actor=acme.agent, signer_name="Someone")
    assert WorkOrder.objects.get(pk=order.pk).signer_name == "Pat Lee"
