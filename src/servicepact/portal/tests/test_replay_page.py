"""The portal's "Replay under another tier": a contact replays its own customer's
contracts (all of them, or one) under an active plan or its own; another customer's
contract is 404; a retired plan is neither offered nor accepted; staff go to the desk."""

from __future__ import annotations

import pytest

from servicepact.billing.testing import june_month, ny
from servicepact.contracts.models import ServicePlan
from servicepact.tickets.testing import (
    FR,
    ONSITE,
    RES,
    RESTORE,
    always_calendar,
    login,
    plan,
    world,
)
from servicepact.tiers.testing import second_contract

pytestmark = pytest.mark.django_db


@pytest.fixture
def june(clock):
    june = june_month(clock)
    clock.at(ny(2025, 7, 2, 9))
    return june


def test_contact_replays_its_own_contracts_only(june, clock):
    second = second_contract(june, clock)
    other = world(code="globex")
    retired = plan(always_calendar(), code="old-gold",
                   targets={(1, FR): 15, (1, ONSITE): 240, (1, RESTORE): 240, (1, RES): 480})  # fmt: skip
    ServicePlan.objects.filter(pk=retired.pk).update(is_active=False)
    client = login(june.world.contact.user)
    empty = client.get("/portal/replay/")
    assert empty.status_code == 200
    text = empty.content.decode()
    assert 'href="/portal/replay/" aria-current="page"' in text  # in the navigation
    assert "ACME-2" in text and "GLOBEX-1" not in text
    assert "Old Gold" not in text  # a retired plan is not offered
    query = {"period": "2025-06", "plan": june.contract.plan_id}
    everything = client.get("/portal/replay/", query)
    assert everything.status_code == 200
    body = everything.content.decode()
    assert 'data-testid="replay-totals"' in body and "180.00" in body
    assert "acme-srv02" in body  # the asset multi-select
    one = client.get("/portal/replay/", {**query, "contract": second.contract.pk})
    assert one.status_code == 200 and "45.00" in one.content.decode()
    assert (
        client.get("/portal/replay/", {**query, "contract": other.contract.pk}).status_code == 404
    )
    assert client.get("/portal/replay/", {**query, "plan": retired.pk}).status_code == 422
    stranger = client.get("/portal/replay/", {**query, "assets": [other.asset.pk]})
    assert stranger.status_code == 422
    only = client.get("/portal/replay/", {**query, "assets": [second.asset.pk]})
    totals = only.content.decode().split('data-testid="replay-totals"')[1].split("</table>")[0]
    assert "45.00" in totals and "180.00" not in totals
    assert login(june.world.agent).get("/portal/replay/").status_code == 302
