"""Writes for assets and contract lines. Keyword-only, transactional, validated."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from servicepact.assets.models import Asset, ContractLine
from servicepact.contracts.models import Contract
from servicepact.core.errors import DomainValidationError
from servicepact.core.services import apply_changes as _apply
from servicepact.core.services import save_validated as _save
from servicepact.customers.models import Customer, Site
from servicepact.customers.services import check_site


@transaction.atomic
def create_asset(
    *, customer: Customer, hostname: str, site: Site | None = None, **fields: Any
) -> Asset:
    check_site(site, customer)
    asset = Asset(customer=customer, site=site, hostname=hostname.strip(), **fields)
    _save(asset)
    return asset


@transaction.atomic
def update_asset(*, asset: Asset, changes: dict[str, Any]) -> Asset:
    if "site" in changes:
        check_site(changes["site"], asset.customer)
    _apply(asset, changes)
    _save(asset)
    return asset


@transaction.atomic
def add_contract_line(
    *,
    contract: Contract,
    asset: Asset,
    start_date: date | None = None,
    end_date: date | None = None,
) -> ContractLine:
    """Puts an asset under a contract from ``start_date`` (default: the term's start).

    The asset must be the contract customer's, the dates inside the term, and the line must
    not overlap another line of the same asset on the same contract.
    """
    start = start_date or contract.start_date
    errors: dict[str, list[str]] = {}
    if asset.customer_id != contract.customer_id:
        errors["asset"] = [
            _("asset %(asset)s does not belong to %(customer)s")
            % {"asset": asset.hostname, "customer": contract.customer}
        ]
    if contract.terminated_on is not None and start >= contract.terminated_on:
        errors["start_date"] = [
            _("contract %(contract)s ends on %(terminated_on)s")
            % {"contract": contract.number, "terminated_on": contract.terminated_on}
        ]
    if not contract.start_date <= start <= contract.end_date:
        errors["start_date"] = [
            _("must lie in the term %(start_date)s to %(end_date)s")
            % {
                "start_date": contract.start_date.isoformat(),
                "end_date": contract.end_date.isoformat(),
            }
        ]
    if end_date is not None and end_date < start:
        errors["end_date"] = [_("must not be before start_date")]
    elif end_date is not None and end_date > contract.end_date:
        errors["end_date"] = [
            _("must not be after the term's end %(end_date)s")
            % {"end_date": contract.end_date.isoformat()}
        ]
    if errors:
        raise DomainValidationError(errors)
    last = end_date or contract.end_date
    overlapping = (
        ContractLine.objects.filter(contract=contract, asset=asset, start_date__lte=last)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=start))
        .exists()
    )
    if overlapping:
        raise DomainValidationError(
            {
                "asset": [
                    _("%(asset)s already has a line on %(contract)s in these dates")
                    % {"asset": asset.hostname, "contract": contract.number}
                ]
            }
        )
    return ContractLine.objects.create(
        contract=contract, asset=asset, start_date=start, end_date=end_date
    )
