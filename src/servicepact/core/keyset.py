"""Keyset cursors for lists: the sort key of the last row, as opaque base64 JSON.

A list ordered by ``(k1, k2, ..., pk)`` continues after a row with the values ``(v1, ..., vn)``
with ``k1 <= v1 AND (k1 < v1 OR (k1 = v1 AND (k2 < v2 OR ...)))`` (directions flipped for
ascending keys). The redundant first bound lets the database start an index range scan at the
cursor instead of filtering from the top of the list, so a deep page costs what page 1 costs.

The sort keys are the queryset's ``order_by`` field names (``-`` for descending, ``__`` through
forward relations), always ending with the primary key so that ties are broken; they must be
non-null columns (a NULL has no place in a keyset comparison that all databases agree on).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db.models import Field, ForeignKey, Model, Q, QuerySet


class BadCursor(ValueError):
    """The cursor is not one this list issued (malformed, tampered, or from another order)."""


@dataclass(frozen=True)
class SortKey:
    path: str  # "customer__name"
    descending: bool
    field: Field[Any, Any]  # the column compared (a foreign key's target field)
    attname: str  # the attribute on the last object of the path holding the value


def sort_keys(queryset: QuerySet[Any]) -> list[SortKey]:
    """The queryset's ordering as keys ending with the primary key (added when missing)."""
    model = queryset.model
    names = list(queryset.query.order_by) or list(model._meta.ordering)
    keys: list[SortKey] = []
    for name in names:
        if not isinstance(name, str) or name == "?":
            raise TypeError(f"keyset pagination needs field names in order_by, not {name!r}")
        descending = name.startswith("-")
        path = name.lstrip("-")
        path = model._meta.pk.name if path == "pk" else path
        keys.append(_key(model, path, descending))
    pk = model._meta.pk
    if not keys or keys[-1].path != pk.name:
        keys.append(SortKey(pk.name, keys[-1].descending if keys else False, pk, pk.attname))
    return keys


def _key(model: type[Model], path: str, descending: bool) -> SortKey:
    parts = path.split("__")
    try:
        for part in parts[:-1]:
            through = model._meta.get_field(part)
            if not (through.many_to_one or through.one_to_one):
                raise TypeError(f"keyset pagination follows single-valued relations, not {path!r}")
            model = through.related_model  # type: ignore[assignment]
        field = model._meta.get_field(parts[-1])
    except FieldDoesNotExist as exc:
        raise TypeError(f"cannot keyset-paginate on {path!r}") from exc
    if (
        not isinstance(field, Field)  # a reverse relation or a generic foreign key
        or field.null
        or not field.concrete
        or field.many_to_many
        or field.one_to_many
    ):
        raise TypeError(f"keyset pagination needs non-null columns as sort keys, not {path!r}")
    if isinstance(field, ForeignKey):
        # By its column: ``order_by("customer")`` would sort by Customer's own ordering.
        column = "__".join([*parts[:-1], field.attname])
        return SortKey(column, descending, field.target_field, field.attname)
    return SortKey(path, descending, field, field.attname)


def ordered(queryset: QuerySet[Any], keys: list[SortKey]) -> QuerySet[Any]:
    return queryset.order_by(*[("-" if k.descending else "") + k.path for k in keys])


def _signature(keys: list[SortKey]) -> str:
    text = ",".join(("-" if k.descending else "") + k.path for k in keys)
    return hashlib.sha256(text.encode()).hexdigest()[:8]


def _value(row: Any, key: SortKey) -> Any:
    if isinstance(row, dict):  # a ``values()`` row holding the sort keys' paths
        return row[key.path]
    for part in key.path.split("__")[:-1]:
        row = getattr(row, part)
    return getattr(row, key.attname)


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def encode(row: Any, keys: list[SortKey]) -> str:
    """The cursor that continues after ``row``."""
    values = [_jsonable(_value(row, k)) for k in keys]
    raw = json.dumps({"o": _signature(keys), "k": values}, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode(cursor: str, keys: list[SortKey]) -> list[Any]:
    """The sort-key values in ``cursor``, typed; ``BadCursor`` when it is not this list's."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        data = json.loads(raw)
    except (binascii.Error, ValueError) as exc:
        raise BadCursor("not a cursor this API issued") from exc
    if not isinstance(data, dict) or data.get("o") != _signature(keys):
        raise BadCursor("not a cursor of this list (its order differs)")
    values = data.get("k")
    if not isinstance(values, list) or len(values) != len(keys):
        raise BadCursor("not a cursor of this list")
    typed = []
    for key, value in zip(keys, values, strict=True):
        if value is None or isinstance(value, dict | list):
            raise BadCursor(f"bad value for {key.path}")
        try:
            parsed = key.field.to_python(value)
        except (ValidationError, TypeError, ValueError) as exc:
            raise BadCursor(f"bad value for {key.path}") from exc
        if isinstance(parsed, datetime) and parsed.utcoffset() is None:
            raise BadCursor(f"bad value for {key.path} (no UTC offset)")
        typed.append(parsed)
    return typed


def after(queryset: QuerySet[Any], keys: list[SortKey], values: list[Any]) -> QuerySet[Any]:
    """The rows strictly after the row whose sort key is ``values`` (in the keys' order)."""
    condition = Q()
    # Build from the last key outwards: (k_i beyond v_i) OR (k_i = v_i AND <rest>).
    for key, value in reversed(list(zip(keys, values, strict=True))):
        beyond = Q(**{f"{key.path}__{'lt' if key.descending else 'gt'}": value})
        condition = beyond if not condition else beyond | (Q(**{key.path: value}) & condition)
    first, first_value = keys[0], values[0]
    bound = Q(**{f"{first.path}__{'lte' if first.descending else 'gte'}": first_value})
    return queryset.filter(bound & condition)
