"""What the contract and asset pages need for their forms: force majeure, outages, renewal."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from servicepact.assets.models import Asset
from servicepact.billing.models import ForceMajeure
from servicepact.billing.services import may_decide_credits
from servicepact.contracts.choices import Renewal
from servicepact.contracts.models import Contract
from servicepact.desk.contract_forms import ForceMajeureForm, OutageForm, RenewForm
from servicepact.monitoring.selectors import outages_visible


def contract_assets(contract: Contract) -> QuerySet[Asset]:
    """The assets on the contract's lines (an outage is recorded on one of them)."""
    return (
        Asset.objects.filter(contract_lines__contract=contract)
        .select_related("customer")
        .distinct()
        .order_by("hostname")
    )


def asset_outage_form(asset: Asset, data: Any = None) -> OutageForm:
    form = OutageForm(
        data, assets=Asset.objects.filter(pk=asset.pk).select_related("customer"), prefix="outage"
    )
    if data is None:
        form.initial["asset"] = asset.pk
    return form


def contract_outage_form(contract: Contract, data: Any = None) -> OutageForm:
    return OutageForm(data, assets=contract_assets(contract), prefix="outage")


def force_majeure_form(contract: Contract, data: Any = None) -> ForceMajeureForm:
    return ForceMajeureForm(data, contract=contract, prefix="fm")


def renew_form(data: Any = None) -> RenewForm:
    return RenewForm(data, prefix="renew")


def contract_forms(
    user: Any, contract: Contract, *, bound: tuple[str, Any] | None = None, error: str = ""
) -> dict[str, Any]:
    """The three forms (one of them bound after a refusal), who may use them, and the
    force-majeure declarations and recent outages they add to."""

    def pick(name: str, fresh: Any) -> Any:
        return bound[1] if bound and bound[0] == name else fresh

    return {
        "fm_form": pick("force-majeure", force_majeure_form(contract)),
        "outage_form": pick("outage", contract_outage_form(contract)),
        "renew_form": pick("renew", renew_form()),
        "open_form": bound[0] if bound else "",
        "form_error": error,
        "may_decide": may_decide_credits(user),
        "renewable": contract.renewal == Renewal.MANUAL,
        "force_majeure": ForceMajeure.objects.filter(contract=contract)
        .select_related("ticket", "flagged_by")
        .order_by("-flagged_at", "-id"),
        "outages": outages_visible(user).filter(asset__in=contract_assets(contract))[:20],
    }
