"""Version management: an asset's configuration record and its history.

GET  /assets/{id}/configuration?at=    what ran on the asset at ``at`` (default now),
                                        with ?history=true every version it ever ran
POST /assets/{id}/configuration        record a component version from ``at`` (staff)
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status
from pydantic import AwareDatetime

from servicepact.accounts.actors import actor_of
from servicepact.api.common import get_or_404, require_staff
from servicepact.assets.configuration import (
    Component,
    configuration_history,
    record_component,
    software_at,
)
from servicepact.assets.models import ConfigurationItem
from servicepact.assets.selectors import assets_for
from servicepact.core.api_schema import ApiIn, Id, idempotent, model_text, reads, writes
from servicepact.core.time import now

router = Router(tags=["assets"])


class ComponentOut(Schema):
    kind: str
    name: str
    version: str
    valid_from: datetime
    valid_to: datetime | None
    source: str


class ConfigurationOut(Schema):
    asset: int
    at: datetime
    components: list[ComponentOut]
    history: list[ComponentOut] | None = None


class ComponentIn(ApiIn):
    kind: Annotated[str, Field(max_length=16)]
    name: Annotated[str, model_text(ConfigurationItem, "name")]
    version: Annotated[str, model_text(ConfigurationItem, "version")]
    at: AwareDatetime | None = None
    source: Annotated[str, model_text(ConfigurationItem, "source")] = ""


def _out(c: Component) -> dict[str, Any]:
    return {
        "kind": c.kind,
        "name": c.name,
        "version": c.version,
        "valid_from": c.valid_from,
        "valid_to": c.valid_to,
        "source": c.source,
    }


@router.get(
    "/assets/{asset_id}/configuration",
    response=reads(ConfigurationOut, 404, 422),
    operation_id="assets_configuration",
    summary="What ran on an asset at an instant (firmware, BIOS, OS, software versions)",
)
def read_configuration(
    request: HttpRequest, asset_id: Id, at: AwareDatetime | None = None, history: bool = False
) -> dict[str, Any]:
    asset = get_or_404(assets_for(request.user), asset_id)
    moment = at or now()
    components = software_at([asset.pk], moment).get(asset.pk, [])
    return {
        "asset": asset.pk,
        "at": moment,
        "components": [_out(c) for c in components],
        "history": [_out(c) for c in configuration_history(asset)] if history else None,
    }


@router.post(
    "/assets/{asset_id}/configuration",
    response=writes(ComponentOut, 404, status=201),
    operation_id="assets_configuration_record",
    summary="Record a component version on an asset (staff)",
)
@idempotent
def record(request: HttpRequest, asset_id: Id, payload: ComponentIn) -> Any:
    asset = get_or_404(assets_for(request.user), asset_id)
    require_staff(request, "record configuration")
    item = record_component(
        asset=asset,
        kind=payload.kind,
        name=payload.name,
        version=payload.version,
        at=payload.at or now(),
        source=payload.source,
        actor=actor_of(request),
    )
    return Status(
        201,
        {
            "kind": item.kind,
            "name": item.name,
            "version": item.version,
            "valid_from": item.valid_from,
            "valid_to": item.valid_to,
            "source": item.source,
        },
    )
