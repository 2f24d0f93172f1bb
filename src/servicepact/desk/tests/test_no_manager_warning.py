"""The desk warns about contracts without a service manager: their escalations reach only
the duty fallback (accounts.duty). On the contract page (naming who hears instead) and in
the contracts list."""

from __future__ import annotations

import pytest

from servicepact.accounts.models import Team
from servicepact.contracts.models import Contract
from servicepact.tickets.testing import user

pytestmark = pytest.mark.django_db


def test_contract_page_and_list_warn_when_no_manager(clock, acme, agent_client, settings):
    settings.SERVICEPACT = {**settings.SERVICEPACT, "DUTY_TEAM": "night shift"}
    Team.objects.create(name="night shift")
    page = agent_client.get(f"/desk/contracts/{acme.contract.pk}/").content.decode()
    assert 'data-testid="no-manager"' in page
    assert "escalations of tickets nobody owns go to the duty team night shift." in page
    listing = agent_client.get("/desk/contracts/").content.decode()
    assert listing.count('data-testid="no-manager"') == 1


def test_no_warning_when_the_contract_has_a_manager(clock, acme, agent_client):
    Contract.objects.filter(pk=acme.contract.pk).update(service_manager=user("boss", staff=True))
    page = agent_client.get(f"/desk/contracts/{acme.contract.pk}/").content.decode()
    assert 'data-testid="no-manager"' not in page
    assert 'data-testid="no-manager"' not in agent_client.get("/desk/contracts/").content.decode()
