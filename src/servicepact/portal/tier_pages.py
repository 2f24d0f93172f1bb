"""Portal page "Replay under another tier" (docs/tier-replay.md): a contact replays its own
customer's contracts (one, or all of them) over past months under another plan, read-only.

Plans offered: ``tiers.selectors.replay_plans_for`` (the active plans and the customer's own
contracts' plans). Another customer's contract is a 404."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from servicepact.contracts.selectors import contracts_for
from servicepact.portal.access import contact_required
from servicepact.tiers.pages import as_int, replay_form
from servicepact.tiers.selectors import replay_plans_for


@require_GET
@contact_required
def replay(request: HttpRequest) -> HttpResponse:
    customer = request.contact.customer  # type: ignore[attr-defined]
    contracts = contracts_for(request.user).order_by("number")
    wanted = request.GET.get("contract", "")
    if wanted and not contracts.filter(pk=as_int(wanted) or 0).exists():
        raise Http404(_("No such contract"))
    plans = replay_plans_for(request.user)
    form = replay_form(request.GET, contracts=contracts, plans=plans, customer=customer)
    return render(
        request,
        "portal/replay.html",
        {"contracts": contracts, "plans": plans, "form": form, "chosen": form.chosen},
        status=form.status,
    )
