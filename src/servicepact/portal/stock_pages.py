"""Portal page of standby machines and part returns: the machines we lent the customer (when
each is due back) and the RMAs of its assets. Only the customer's own rows
(``stock.selectors``, scoped to the contact's customer)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from servicepact.core.time import local_date, now
from servicepact.portal.access import contact_required
from servicepact.stock.selectors import loaners_for, rmas_for

MAX_ROWS = 200  # a customer's loans and returns fit on one page


@require_GET
@contact_required
def loaners(request: HttpRequest) -> HttpResponse:
    tz = request.contact.customer.timezone  # type: ignore[attr-defined]
    return render(
        request,
        "portal/loaners.html",
        {
            "loaners": loaners_for(request.user)[:MAX_ROWS],
            "rmas": rmas_for(request.user)[:MAX_ROWS],
            "today": local_date(now(), tz),
            "tz": tz,
        },
    )
