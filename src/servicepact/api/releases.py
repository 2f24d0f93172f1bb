"""Releases (software maintenance) and contract blackout periods.

GET  /releases                  tenancy-scoped list (?contract=, ?status=)
GET  /releases/{id}
POST /releases                  plan one (staff): contract, version, planned_on, notes per language
POST /releases/{id}/ship        shipped (staff): the notes go to the customer's contacts by e-mail
PATCH /releases/{id}            change a planned release (staff; shipped or cancelled: 409)
POST /releases/{id}/cancel      cancel a planned release (staff; nobody is told)
GET  /contracts/{id}/blackouts  a contract's blackout periods (tenancy-scoped)
POST /contracts/{id}/blackouts  add one (staff)
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from pydantic import AwareDatetime

from servicepact.accounts.actors import actor_of
from servicepact.api.common import ListOut, PageQuery, get_or_404, rendered_page, require_staff
from servicepact.assets.models import Asset
from servicepact.changes.models import Change, Release
from servicepact.changes.releases import (
    cancel_release,
    edit_release,
    get_release,
    plan_release,
    releases_for,
    ship_release,
)
from servicepact.contracts.blackouts import add_blackout
from servicepact.contracts.models import Blackout
from servicepact.contracts.selectors import contracts_for
from servicepact.core.api_schema import (
    ApiIn,
    BodyId,
    Id,
    IdFilter,
    Text,
    idempotent,
    model_text,
    reads,
    writes,
)
from servicepact.core.errors import DomainValidationError

router = Router(tags=["releases"])


class ReleaseOut(Schema):
    id: int
    contract: int
    version: str
    planned_on: date
    status: str
    shipped_at: datetime | None
    notes: dict[str, str]
    assets: list[int]
    change: int | None


class ReleaseList(ListOut):
    items: list[ReleaseOut]
    count: int


class ReleaseIn(ApiIn):
    contract: BodyId
    version: Annotated[str, model_text(Release, "version")]
    planned_on: date
    notes: dict[Annotated[str, Field(max_length=16)], str] = {}
    assets: list[BodyId] = []
    change: BodyId | None = None


class ReleasePatch(ApiIn):
    version: Annotated[str, model_text(Release, "version")] | None = None
    planned_on: date | None = None
    notes: dict[Annotated[str, Field(max_length=16)], str] | None = None
    assets: list[BodyId] | None = None
    change: BodyId | None = None


class BlackoutOut(Schema):
    id: int
    contract: int
    name: str
    starts_at: datetime
    ends_at: datetime
    reason: str


class BlackoutList(ListOut):
    items: list[BlackoutOut]
    count: int


class BlackoutIn(ApiIn):
    name: Annotated[str, model_text(Blackout, "name")]
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    reason: Annotated[str, model_text(Blackout, "reason")] = ""


def _references(
    asset_ids: list[int], change_id: int | None, errors: dict[str, list[str]]
) -> tuple[list[Asset], Change | None]:
    """The assets and the change a release body names (missing: 422 on the field; the
    service then refuses another customer's)."""
    assets = list(Asset.objects.filter(pk__in=asset_ids))
    missing = sorted(set(asset_ids) - {a.pk for a in assets})
    if missing:
        errors["assets"] = [
            _("no such %(what)s: %(ids)s") % {"what": Asset._meta.verbose_name, "ids": missing}
        ]
    change = None
    if change_id is not None:
        change = Change.objects.filter(pk=change_id).first()
        if change is None:
            errors["change"] = [_("no such change: %(id)s") % {"id": change_id}]
    return assets, change


def release_out(release: Release) -> dict[str, Any]:
    return {
        "id": release.pk,
        "contract": release.contract_id,
        "version": release.version,
        "planned_on": release.planned_on,
        "status": release.status,
        "shipped_at": release.shipped_at,
        "notes": release.notes,
        "assets": sorted(a.pk for a in release.assets.all()),
        "change": release.change_id,
    }


@router.get(
    "/releases",
    response=reads(ReleaseList, 422),
    operation_id="releases_list",
    summary="List releases (tenancy-scoped)",
)
def list_releases(
    request: HttpRequest, paging: Query[PageQuery], contract: IdFilter = None, status: Text = ""
) -> dict[str, Any]:
    qs = releases_for(request.user)
    if contract is not None:
        qs = qs.filter(contract_id=contract)
    if status:
        qs = qs.filter(status__in=status.split(","))
    return rendered_page(qs, paging, release_out)


@router.get(
    "/releases/{release_id}",
    response=reads(ReleaseOut, 404, 422),
    operation_id="releases_get",
    summary="Get a release",
)
def read_release(request: HttpRequest, release_id: Id) -> Any:
    return release_out(get_release(request.user, release_id))


@router.post(
    "/releases",
    response=writes(ReleaseOut, status=201),
    operation_id="releases_create",
    summary="Plan a release (staff)",
)
@idempotent
def create_release(request: HttpRequest, payload: ReleaseIn) -> Any:
    require_staff(request, "plan releases")
    errors: dict[str, list[str]] = {}
    contract = contracts_for(request.user).filter(pk=payload.contract).first()
    if contract is None:
        errors["contract"] = [_("no such contract: %(id)s") % {"id": payload.contract}]
    assets, change = _references(payload.assets, payload.change, errors)
    if errors or contract is None:
        raise DomainValidationError(errors)
    with transaction.atomic():
        release = plan_release(
            contract=contract,
            version=payload.version,
            planned_on=payload.planned_on,
            notes=payload.notes,
            assets=assets,
            change=change,
            actor=actor_of(request),
        )
    return Status(201, release_out(get_release(request.user, release.pk)))


@router.post(
    "/releases/{release_id}/ship",
    response=writes(ReleaseOut, 404, 409),
    operation_id="releases_ship",
    summary="Ship a release: its notes are e-mailed to the customer's contacts",
)
def ship(request: HttpRequest, release_id: Id) -> Any:
    return _act(request, release_id, ship_release, "ship releases")


@router.patch(
    "/releases/{release_id}",
    response=writes(ReleaseOut, 404, 409),
    operation_id="releases_update",
    summary="Change a planned release (staff)",
)
def update_release(request: HttpRequest, release_id: Id, payload: ReleasePatch) -> Any:
    release = get_release(request.user, release_id)
    require_staff(request, "change releases")
    values = payload.dict(exclude_unset=True)
    errors: dict[str, list[str]] = {}
    assets, change = _references(values.get("assets") or [], values.get("change"), errors)
    if errors:
        raise DomainValidationError(errors)
    if "assets" in values:
        values["assets"] = assets
    if "change" in values:
        values["change"] = change
    for name in ("version", "planned_on", "notes"):
        if name in values and values[name] is None:
            raise DomainValidationError({name: [_("must not be null")]})
    edit_release(release=release, actor=actor_of(request), **values)
    return release_out(get_release(request.user, release_id))


@router.post(
    "/releases/{release_id}/cancel",
    response=writes(ReleaseOut, 404, 409),
    operation_id="releases_cancel",
    summary="Cancel a planned release (staff)",
)
def cancel(request: HttpRequest, release_id: Id) -> Any:
    return _act(request, release_id, cancel_release, "cancel releases")


def _act(request: HttpRequest, release_id: int, service: Any, what: str) -> Any:
    """One step of a release (ship, cancel): tenancy 404, staff only, the service's 409."""
    release = get_release(request.user, release_id)
    require_staff(request, what)
    service(release=release, actor=actor_of(request))
    return release_out(get_release(request.user, release_id))


@router.get(
    "/contracts/{contract_id}/blackouts",
    response=reads(BlackoutList, 404, 422),
    operation_id="contracts_blackouts_list",
    summary="A contract's blackout periods (no change should run inside one)",
)
def list_blackouts(request: HttpRequest, contract_id: Id, paging: Query[PageQuery]) -> Any:
    contract = get_or_404(contracts_for(request.user), contract_id)
    return rendered_page(contract.blackouts.order_by("starts_at", "id"), paging, _blackout_out)


def _blackout_out(b: Blackout) -> dict[str, Any]:
    return {
        "id": b.pk,
        "contract": b.contract_id,
        "name": b.name,
        "starts_at": b.starts_at,
        "ends_at": b.ends_at,
        "reason": b.reason,
    }


@router.post(
    "/contracts/{contract_id}/blackouts",
    response=writes(BlackoutOut, 404, status=201),
    operation_id="contracts_blackouts_create",
    summary="Add a blackout period to a contract (staff)",
)
@idempotent
def create_blackout(request: HttpRequest, contract_id: Id, payload: BlackoutIn) -> Any:
    contract = get_or_404(contracts_for(request.user), contract_id)
    require_staff(request, "set blackout periods")
    blackout = add_blackout(
        contract=contract,
        name=payload.name,
        starts_at=payload.starts_at,
        ends_at=payload.ends_at,
        reason=payload.reason,
        actor=actor_of(request),
    )
    return Status(201, _blackout_out(blackout))
