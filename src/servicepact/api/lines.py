"""Contract lines: an asset covered by a contract from a date (schemas shared by two routers)."""

from __future__ import annotations

from datetime import date

from ninja import Schema

from servicepact.api.common import ListOut
from servicepact.core.api_schema import ApiIn, BodyId


class ContractRef(Schema):
    id: int
    number: str


class AssetRef(Schema):
    id: int
    hostname: str


class LineIn(ApiIn):
    asset: BodyId
    start_date: date | None = None
    end_date: date | None = None


class LineOut(Schema):
    id: int
    contract: ContractRef
    asset: AssetRef
    start_date: date
    end_date: date | None


class LineList(ListOut):
    items: list[LineOut]
    count: int
