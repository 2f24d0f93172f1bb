"""The demo after the repair (demo/aftercare_seed.py), run on a test world: a follow-up
done, a 5-star survey on the resolved hardware ticket, one pending guarantee claim."""

from __future__ import annotations

from types import SimpleNamespace

from servicepact.aftercare.choices import ClaimStatus, FollowUpStatus
from servicepact.aftercare.models import FollowUp, GuaranteeClaim, Survey
from servicepact.core.testing import ny
from servicepact.demo.aftercare_seed import seed_aftercare
from servicepact.tickets.testing import globex  # noqa: F401 (fixture)


def test_demo_aftercare(clock, globex):  # noqa: F811
    clock.at(ny(2025, 7, 15, 9))
    dc = SimpleNamespace(
        customer=globex.customer,
        contact=globex.contact,
        contract=globex.contract,
        assets=[globex.asset],
    )
    seed_aftercare(dc, {"agent": globex.agent}, lambda _: None)
    survey = Survey.objects.get()
    assert survey.score == 5
    assert survey.ticket.category == "hardware"
    assert FollowUp.objects.get(ticket=survey.ticket).status == FollowUpStatus.DONE
    assert list(GuaranteeClaim.objects.values_list("status", flat=True)) == [ClaimStatus.PENDING]
