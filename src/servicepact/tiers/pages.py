"""The replay form shared by the desk's "Compare tiers" and the portal's "Replay under
another tier" pages: what was chosen, the assets to choose from, the answer or the errors.

The callers pass the querysets the user may choose from (tenancy is theirs to decide); the
checks and the replay are ``tiers.comparison``'s (the API's)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet
from django.http import QueryDict
from django.utils.translation import gettext as _

from servicepact.assets.models import Asset
from servicepact.contracts.models import Contract, ServicePlan
from servicepact.core.errors import DomainValidationError
from servicepact.customers.models import Customer
from servicepact.tiers.comparison import parse_months, replay
from servicepact.tiers.selectors import replay_assets

ASSET_CHOICES = 500  # assets offered in the multi-select (by hostname)


def as_int(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


@dataclass
class ReplayForm:
    chosen: dict[str, str]
    assets: list[str] = field(default_factory=list)  # the chosen asset ids, as sent
    asset_choices: list[Asset] = field(default_factory=list)
    result: dict[str, Any] | None = None
    errors: dict[str, list[str]] = field(default_factory=dict)
    rows: list[dict[str, Any]] = field(default_factory=list)
    money: list[dict[str, Any]] = field(default_factory=list)  # a customer's totals

    @property
    def status(self) -> int:
        return 422 if self.errors else 200


def replay_form(
    params: QueryDict,
    *,
    contracts: QuerySet[Contract],
    plans: QuerySet[ServicePlan],
    customers: QuerySet[Customer] | None = None,
    customer: Customer | None = None,
) -> ReplayForm:
    """Run the replay the GET parameters ask for: one contract, or (``contract`` empty) all
    the contracts of a customer — chosen among ``customers`` (the desk) or ``customer`` (the
    portal: the contact's own)."""
    chosen = {k: params.get(k, "") for k in ("contract", "customer", "period", "period_to", "plan")}
    if customers is None:
        chosen["customer"] = ""  # the portal: the contact's own customer, not a choice
    form = ReplayForm(chosen=chosen, assets=[a for a in params.getlist("assets") if a])
    contract = contracts.filter(pk=as_int(chosen["contract"]) or 0).first()
    if customers is not None:
        customer = customers.filter(pk=as_int(chosen["customer"]) or 0).first()
    if contract is not None or customer is not None:
        form.asset_choices = list(
            replay_assets(customer=customer if contract is None else None, contract=contract)
            .order_by("hostname")
            .only("pk", "hostname")[:ASSET_CHOICES]
        )
    if not any(chosen.values()) and not form.assets:
        return form  # the empty form
    try:
        if chosen["customer"] and customer is None:
            raise DomainValidationError({"customer": [_("choose a customer")]})
        if chosen["contract"] and contract is None:
            raise DomainValidationError({"contract": [_("choose a contract")]})
        if contract is None and customer is None:
            raise DomainValidationError({"contract": [_("choose a contract or a customer")]})
        plan = plans.filter(pk=as_int(chosen["plan"]) or 0).first()
        if plan is None:
            raise DomainValidationError({"plan": [_("choose a plan")]})
        first, last = parse_months(chosen["period"], chosen["period_to"] or None)
        ids = [as_int(a) for a in form.assets]
        if None in ids:
            raise DomainValidationError({"assets": [_("choose assets from the list")]})
        wanted = [i for i in ids if i is not None] or None
        # The desk's customer choice goes to ``replay`` as chosen (both chosen: its 422);
        # the portal's customer is the contact's own, replayed when no contract is chosen.
        chosen_customer = customer if customers is not None or contract is None else None
        form.result = replay(
            contract=contract, customer=chosen_customer, plan=plan,
            first=first, last=last, asset_ids=wanted,
        )  # fmt: skip
        if contract is not None:
            form.rows = side_by_side(form.result)
        else:
            form.money = money_rows(form.result["totals"])
    except DomainValidationError as exc:
        form.errors = exc.errors
        form.result = None
    return form


def side_by_side(result: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per (metric, priority) present in either column of a contract's replay."""

    def index(side: str) -> dict[tuple[str, int], dict[str, Any]]:
        return {(r["metric"], r["priority"]): r for r in result[side]["compliance"]["rows"]}

    actual, replayed = index("actual"), index("replayed")
    keys = list(dict.fromkeys([*actual, *replayed]))
    return [
        {"label": (actual.get(k) or replayed[k])["metric_label"], "priority": k[1],
         "actual": actual.get(k), "replayed": replayed.get(k)}
        for k in keys
    ]  # fmt: skip


def money_rows(totals: dict[str, Any]) -> list[dict[str, Any]]:
    """The totals' amounts as rows: one per figure and currency (never summed across)."""
    return [
        {"figure": key, "currency": currency, "actual": amount,
         "replayed": totals["replayed"][key].get(currency)}
        for key in ("credits", "fee", "downtime_cost")
        for currency, amount in totals["actual"][key].items()
    ]  # fmt: skip
