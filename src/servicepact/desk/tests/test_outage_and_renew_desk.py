"""Outages monitoring missed, recorded on the contract or the asset page, count in the
availability (planned ones do not); a manually renewing contract is renewed from its page as
a new version with a ``renewed`` event."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from servicepact.contracts.escalation import ContractEvent
from servicepact.contracts.models import Contract
from servicepact.monitoring.availability import contract_availability
from servicepact.monitoring.models import Outage

from .conftest import login, ny

pytestmark = pytest.mark.django_db


@pytest.fixture
def july(clock, acme):
    """Today is Wed 2 July 2025 09:00 New York; the agent works in Berlin (UTC+2)."""
    clock.at(ny(2025, 7, 2, 9))
    return acme


def outage_post(acme, **extra):
    data = {
        "outage-asset": acme.asset.pk,
        "outage-started_at": "2025-06-10T20:00",  # Berlin = 14:00 New York
        "outage-ended_at": "2025-06-10T21:00",
        "outage-reason": "PDU tripped; no alert",
    }
    data.update(extra)
    return data


def test_an_outage_from_the_contract_page_counts_as_unplanned_downtime(july, agent_client):
    """One hour on 10 June, typed in the agent's zone: 3600 s of unplanned downtime in June."""
    before = contract_availability(july.contract, 2025, 6).unplanned_downtime_seconds
    response = agent_client.post(f"/desk/contracts/{july.contract.pk}/outages/", outage_post(july))
    assert response.status_code == 302
    outage = Outage.objects.get()
    assert (outage.started_at, outage.ended_at, outage.origin, outage.planned) == (
        ny(2025, 6, 10, 14),
        ny(2025, 6, 10, 15),
        "manual",
        False,
    )
    assert outage.recorded_by == july.agent
    result = contract_availability(july.contract, 2025, 6)
    assert (before, result.unplanned_downtime_seconds, result.planned_downtime_seconds) == (
        0,
        3600,
        0,
    )


def test_a_planned_outage_from_the_asset_page_is_not_counted(july, agent_client):
    response = agent_client.post(
        f"/desk/assets/{july.asset.pk}/outages/", outage_post(july, **{"outage-planned": "on"})
    )
    assert response.status_code == 302
    result = contract_availability(july.contract, 2025, 6)
    assert (result.unplanned_downtime_seconds, result.planned_downtime_seconds) == (0, 3600)


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"outage-ended_at": "2025-06-10T19:00"}, "ended_at"),
        ({"outage-reason": " "}, "reason"),
        ({"outage-started_at": ""}, "started_at"),
        ({"outage-started_at": "2025-07-03T20:00", "outage-ended_at": ""}, "started_at"),
        ({"outage-ticket": "SP-424242"}, "ticket"),
    ],
)
def test_bad_outages_are_422_naming_the_field(july, agent_client, extra, field):
    response = agent_client.post(
        f"/desk/contracts/{july.contract.pk}/outages/", outage_post(july, **extra)
    )
    assert response.status_code == 422
    assert field in response.context["outage_form"].errors
    assert Outage.objects.count() == 0


def test_an_asset_of_another_customer_cannot_be_chosen(july, globex, agent_client):
    response = agent_client.post(
        f"/desk/contracts/{july.contract.pk}/outages/",
        outage_post(july, **{"outage-asset": globex.asset.pk}),
    )
    assert response.status_code == 422
    assert "asset" in response.context["outage_form"].errors
    assert Outage.objects.count() == 0


def test_contacts_do_not_reach_the_desk_forms(july, contact_client):
    response = contact_client.post(f"/desk/assets/{july.asset.pk}/outages/", outage_post(july))
    assert response.status_code == 404
    assert Outage.objects.count() == 0


# ---------------------------------------------------------------- renewal


def renew(client, contract, **data):
    body = {f"renew-{k}": v for k, v in data.items()}
    return client.post(f"/desk/contracts/{contract.pk}/renew/", body)


def test_renewing_adds_a_version_from_the_new_term_and_an_event(july, agent_client):
    """ACME-1 runs to 31 Dec 2026. Renewed to 31 Dec 2027 at 4000.00: version 2 in force from
    1 Jan 2027 00:00 New York, a twelve-month term recorded with who and the fees."""
    response = renew(agent_client, july.contract, end_date="2027-12-31", fee_amount="4000")
    assert response.status_code == 302
    contract = Contract.objects.get(pk=july.contract.pk)
    assert (contract.end_date, contract.fee_amount) == (date(2027, 12, 31), Decimal("4000.00"))
    version = contract.versions.get(number=2)
    assert (version.effective_from, version.created_by) == (ny(2027, 1, 1), july.agent)
    assert version.reason == "Renewed: new term 2027-01-01 to 2027-12-31"
    event = ContractEvent.objects.get(contract=contract, kind="renewed")
    assert event.at == ny(2027, 1, 1)
    assert event.data == {
        "term": {"months": 12, "days": 0},
        "previous_end": "2026-12-31",
        "end_date": "2027-12-31",
        "manual": True,
        "by": july.agent.get_username(),
        "version": 2,
        "reason": "Renewed: new term 2027-01-01 to 2027-12-31",
        "fee_amount": "4000.00",
        "previous_fee_amount": "0.00",
    }


def test_the_renewals_own_reason_is_shown_in_the_readers_language(july, agent_client):
    """Renewed without a reason: the system's text is stored in English with its note; the
    contract page writes it in the reader's language."""
    renew(agent_client, july.contract, end_date="2027-12-31", fee_amount="4000")
    url = f"/desk/contracts/{july.contract.pk}/"
    english = agent_client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Renewed: new term 2027-01-01 to 2027-12-31" in english
    chinese = agent_client.get(url, HTTP_ACCEPT_LANGUAGE="zh-Hans").content.decode()
    assert "已续约：新合同期 2027-01-01 至 2027-12-31" in chinese
    assert "Renewed: new term" not in chinese


def test_an_end_date_not_after_the_current_one_is_a_422(july, agent_client):
    response = renew(agent_client, july.contract, end_date="2026-12-31")
    assert response.status_code == 422
    assert "end_date" in response.context["renew_form"].errors
    assert (
        ContractEvent.objects.filter(kind="renewed").count(),
        july.contract.versions.count(),
    ) == (0, 1)


def test_an_automatically_renewing_contract_is_a_409(july, agent_client):
    Contract.objects.filter(pk=july.contract.pk).update(renewal="automatic")
    response = renew(agent_client, july.contract, end_date="2027-12-31")
    assert response.status_code == 409
    assert "renews automatically" in response.context["form_error"]
    assert Contract.objects.get(pk=july.contract.pk).end_date == date(2026, 12, 31)


def test_an_expired_contract_is_not_renewed(clock, acme):
    """31 Dec 2026 + 30 days of grace ended on 30 Jan 2027: on 1 Mar 2027 it is a 409."""
    clock.at(ny(2027, 3, 1, 9))
    response = renew(login(acme.agent), acme.contract, end_date="2027-12-31")
    assert response.status_code == 409
    assert Contract.objects.get(pk=acme.contract.pk).end_date == date(2026, 12, 31)
