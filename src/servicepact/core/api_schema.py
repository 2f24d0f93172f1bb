"""The API contract in one place: error schemas, declared statuses, and input bounds.

Every router under /api/v1 (api, monitoring, changes, worker) builds its ``response={...}``
with ``reads`` or ``writes`` so that each operation declares the statuses it can answer
with the bodies it really sends (docs/api.md, "Errors per operation"):

- ``{"detail": "text"}`` for 400, 401, 403, 404, 409, 413 and 429;
- ``{"detail": [{"loc": [...], "msg": "...", "type": "..."}]}`` for 422 (``core.errors``).

Input bounds come from the database, never from re-typed numbers: ``Id``/``IdFilter``
accept what a ``BigAutoField`` can hold (a 20-digit id is a 422 naming the parameter, not a
500), ``Annotated[str, model_text(Model, "field")]`` takes ``max_length`` from the model
field (``model_int``, ``model_decimal`` likewise for numbers), and no string
may carry a NUL character (PostgreSQL refuses them): ``ApiIn`` checks every string of a
request body, ``Text`` a query parameter.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Annotated, Any

from annotated_types import GroupedMetadata
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db.backends.base.operations import BaseDatabaseOperations
from django.db.models import DecimalField, Model
from django.db.models import Field as ModelField
from ninja import Path, Query, Schema
from ninja.utils import contribute_operation_callback
from pydantic import AfterValidator, Field, JsonValue, StringConstraints, field_validator
from pydantic.fields import FieldInfo

from servicepact.core.pagination import MAX_LIMIT, MAX_OFFSET

# The largest value of a 64-bit signed integer column (BigAutoField ids, SQLite INTEGER).
MAX_DB_INT = 2**63 - 1
# The deepest a list may page (MAX_OFFSET, core.pagination) keeps OFFSET + LIMIT far inside a 64-bit integer.

DEFAULT_LIMIT = 50


class ErrorOut(Schema):
    """Every refusal except 422: a sentence for a human."""

    detail: str


class FieldError(Schema):
    loc: list[str | int] = Field(
        description='where, e.g. ["body", "subject"] or ["query", "limit"]'
    )
    msg: str
    type: str


class ValidationErrorOut(Schema):
    """422: one entry per refused field."""

    detail: list[FieldError]


ERROR_SCHEMAS: dict[int, type[Schema]] = {
    400: ErrorOut,
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    409: ErrorOut,
    413: ErrorOut,
    415: ErrorOut,
    422: ValidationErrorOut,
    429: ErrorOut,
}

# What any write may answer besides its own refusals: a body that is not JSON (400), no or a
# bad token (401), a session without its CSRF token (403), a body over the size limit (413),
# a field that fails validation (422).
WRITE_ERRORS = (400, 401, 403, 413, 422)


def _declare(ok_status: int, ok: Any, codes: Iterable[int]) -> dict[int, Any]:
    declared: dict[int, Any] = {ok_status: ok}
    for code in sorted(set(codes)):
        declared[code] = ERROR_SCHEMAS[code]
    return declared


def reads(ok: Any, *errors: int, auth: bool = True) -> dict[int, Any]:
    """``response=`` of a GET: 200 plus 401 (when authenticated) and ``errors`` (404, 422 …)."""
    return _declare(200, ok, (401, *errors) if auth else errors)


def writes(ok: Any, *errors: int, status: int = 200) -> dict[int, Any]:
    """``response=`` of a POST/PUT/PATCH: ``status`` plus ``WRITE_ERRORS`` and ``errors``."""
    return _declare(status, ok, (*WRITE_ERRORS, *errors))


# ---------------------------------------------------------------- input bounds


def reject_nul(value: str) -> str:
    if "\x00" in value:
        raise ValueError("must not contain a NUL character")
    return value


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(_has_nul(v) for v in value)
    return False


class ApiIn(Schema):
    """Base of every request body: no string anywhere in it (nested JSON too) may hold NUL."""

    @field_validator("*", mode="after")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        if _has_nul(value):
            raise ValueError("must not contain a NUL character")
        return value


def model_max_length(model: type[Model], field: str) -> int | None:
    return _column(model, field).max_length


def _column(model: type[Model], field: str) -> ModelField[Any, Any]:
    """``model.field`` as a column (not a reverse relation or a generic foreign key)."""
    found = model._meta.get_field(field)
    if not isinstance(found, ModelField):
        raise TypeError(f"{model.__name__}.{field} is not a column")
    return found


@dataclass(frozen=True)
class ModelText(GroupedMetadata):
    """The bounds of a text field of a model (``model_text``): its lengths, and no NUL."""

    min_length: int | None
    max_length: int | None

    def __iter__(self) -> Iterator[object]:
        yield StringConstraints(min_length=self.min_length, max_length=self.max_length)
        yield AfterValidator(reject_nul)


def model_text(model: type[Model], field: str, *, min_length: int | None = None) -> ModelText:
    """The bounds of ``model.field`` for a string (its ``max_length``), without NUL:
    ``Name = Annotated[str, model_text(Site, "name")]`` (a type mypy checks)."""
    return ModelText(min_length=min_length, max_length=model_max_length(model, field))


def model_int(model: type[Model], field: str) -> FieldInfo:
    """The bounds of ``model.field`` for an integer (``Annotated[int, model_int(M, "f")]``):
    parsing refuses what its column cannot hold (the portable range, so the schema is the
    same on SQLite and PostgreSQL); the field's own validators (e.g. 1..4) are published in
    the schema and enforced by the service, which names every bad field at once with the
    domain's message."""
    django_field = _column(model, field)
    low, high = BaseDatabaseOperations.integer_field_ranges.get(
        django_field.get_internal_type(), (-MAX_DB_INT - 1, MAX_DB_INT)
    )
    published: dict[str, JsonValue] = {}
    # The field's own validators (private ``_validators``: ``validators`` would add the
    # database's range); absent from django-stubs.
    for validator in django_field._validators:  # type: ignore[attr-defined]
        if isinstance(validator, MinValueValidator):
            published["minimum"] = max(validator.limit_value, low)
        elif isinstance(validator, MaxValueValidator):
            published["maximum"] = min(validator.limit_value, high)
    info: FieldInfo = Field(ge=low, le=high, json_schema_extra=published or None)
    return info


def model_decimal(model: type[Model], field: str) -> FieldInfo:
    """The bounds of ``model.field`` for a decimal (``Annotated[Decimal, model_decimal(M,
    "f")]``): its digits and decimal places, no NaN, no infinity."""
    django_field = model._meta.get_field(field)
    if not isinstance(django_field, DecimalField):
        raise TypeError(f"{model.__name__}.{field} is not a decimal field")
    info: FieldInfo = Field(
        max_digits=django_field.max_digits,
        decimal_places=django_field.decimal_places,
        allow_inf_nan=False,
    )
    return info


# A free-text query parameter (search, comma-separated filters): bounded, no NUL.
Text = Annotated[str, StringConstraints(max_length=200), AfterValidator(reject_nul)]

# Ids in paths and filters. The path form is required; the filter form defaults to None.
Id = Annotated[int, Path(..., ge=1, le=MAX_DB_INT)]
IdFilter = Annotated[int | None, Query(None, ge=1, le=MAX_DB_INT)]
# An id inside a request body.
BodyId = Annotated[int, Field(ge=1, le=MAX_DB_INT)]
Limit = Annotated[int, Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)]
Offset = Annotated[int, Query(0, ge=0, le=MAX_OFFSET)]


# ---------------------------------------------------------------- idempotent creates

IDEMPOTENT_ATTR = "servicepact_idempotent"
IDEMPOTENCY_HEADER = "Idempotency-Key"
IDEMPOTENCY_KEY_PATTERN = r"^[\x21-\x7e]{1,255}$"  # visible ASCII: safe in any header

IDEMPOTENCY_PARAMETER = {
    "in": "header",
    "name": IDEMPOTENCY_HEADER,
    "required": False,
    "description": (
        "Any unique string (e.g. a UUID). The same key and body from the same user within "
        "24 h return the first answer (with the header Idempotent-Replayed: true) instead of "
        "creating again; the same key with another body is a 422 on this header."
    ),
    "schema": {
        "type": "string",
        "minLength": 1,
        "maxLength": 255,
        "pattern": IDEMPOTENCY_KEY_PATTERN,
    },
}


def _document_header(operation: Any) -> None:
    extra = dict(operation.openapi_extra or {})
    extra["parameters"] = [*extra.get("parameters", []), IDEMPOTENCY_PARAMETER]
    operation.openapi_extra = extra


def idempotent(view: Any) -> Any:
    """Marks a POST that creates: it honours ``Idempotency-Key`` (``api.idempotency`` does the
    work for every router of the API; this only marks the view and documents the header).
    Put it under the ``@router.post(...)`` line."""
    setattr(view, IDEMPOTENT_ATTR, True)
    contribute_operation_callback(view, _document_header)
    return view
