"""POST actions of the contract and asset pages: declare force majeure, record an outage
monitoring missed, renew a manually renewing contract. Each parses its form (in the agent's
time zone), calls one service, and redirects (POST-redirect-GET); a refusal re-renders the
page with the form: 422 naming the field, 403 for a role that may not, 409 for a state that
does not allow it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from servicepact.accounts.actors import actor_of
from servicepact.billing.services import declare_force_majeure
from servicepact.contracts.services import renew_contract
from servicepact.core.errors import DomainValidationError, TransitionError
from servicepact.core.time import zone
from servicepact.desk.access import staff_required
from servicepact.desk.contract_context import (
    asset_outage_form,
    contract_outage_form,
    force_majeure_form,
    renew_form,
)
from servicepact.desk.views import (
    agent_timezone,
    asset_for_page,
    asset_page,
    contract_for_page,
    contract_page,
)
from servicepact.monitoring.services import record_outage

Refusal = tuple[int, str]


def _run(form: Any, request: HttpRequest, call: Callable[[dict[str, Any]], Any]) -> Refusal | None:
    """Validates ``form`` in the agent's zone and calls the service; None on success, else
    (status, message) with the service's field errors attached to the form."""
    with timezone.override(zone(agent_timezone(request.user))):
        valid = form.is_valid()
    if not valid:
        return 422, ""
    try:
        call(form.cleaned_data)
    except PermissionDenied as exc:
        return 403, str(exc)
    except TransitionError as exc:
        return 409, exc.message
    except DomainValidationError as exc:
        for field, problems in exc.errors.items():
            form.add_error(field if field in form.fields else None, problems)
        return 422, ""
    return None


@require_POST
@staff_required
def contract_force_majeure(request: HttpRequest, pk: int) -> HttpResponse:
    contract = contract_for_page(pk)
    form = force_majeure_form(contract, request.POST)
    done: list[Any] = []

    def call(data: dict[str, Any]) -> None:
        done.extend(
            declare_force_majeure(contract=contract, actor=actor_of(request), **form.values())
        )

    refused = _run(form, request, call)
    if refused:
        status, error = refused
        return contract_page(
            request, contract, bound=("force-majeure", form), error=error, status=status
        )
    recomputed = done[1]
    messages.success(
        request,
        _("Force majeure recorded; credits recomputed for: %(periods)s.")
        % {"periods": ", ".join(c.period for c in recomputed)}
        if recomputed
        else _("Force majeure recorded. The credits of the months it touches will reflect it."),
    )
    return redirect("desk:contract", pk=contract.pk)


@require_POST
@staff_required
def contract_outage(request: HttpRequest, pk: int) -> HttpResponse:
    contract = contract_for_page(pk)
    form = contract_outage_form(contract, request.POST)
    refused = _run(form, request, lambda _data: _record(request, form))
    if refused:
        status, error = refused
        return contract_page(request, contract, bound=("outage", form), error=error, status=status)
    messages.success(request, _("Outage recorded."))
    return redirect("desk:contract", pk=contract.pk)


@require_POST
@staff_required
def asset_outage(request: HttpRequest, pk: int) -> HttpResponse:
    asset = asset_for_page(pk)
    form = asset_outage_form(asset, request.POST)
    refused = _run(form, request, lambda _data: _record(request, form))
    if refused:
        if refused[1]:
            form.add_error(None, refused[1])
        return asset_page(request, asset, bound=form, status=refused[0])
    messages.success(request, _("Outage recorded."))
    return redirect("desk:asset", pk=asset.pk)


def _record(request: HttpRequest, form: Any) -> None:
    record_outage(actor=actor_of(request), **form.values())


@require_POST
@staff_required
def contract_renew(request: HttpRequest, pk: int) -> HttpResponse:
    contract = contract_for_page(pk)
    form = renew_form(request.POST)

    def call(data: dict[str, Any]) -> None:
        renew_contract(
            contract=contract,
            end_date=data["end_date"],
            fee_amount=data.get("fee_amount"),
            reason=data.get("reason", ""),
            actor=actor_of(request),
        )

    refused = _run(form, request, call)
    if refused:
        status, error = refused
        return contract_page(request, contract, bound=("renew", form), error=error, status=status)
    messages.success(request, _("Contract renewed: a new version records the new term."))
    return redirect("desk:contract", pk=contract.pk)
