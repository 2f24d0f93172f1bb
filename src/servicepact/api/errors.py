"""Every error is JSON with ``detail``; validation errors list the fields by ``loc``.

422 has one shape whether pydantic (request parsing) or a service (domain rules) refused:
``{"detail": [{"loc": ["body", "impact"], "msg": "...", "type": "..."}]}``. A domain field
such as ``kpis[0].target`` becomes ``["body", "kpis", 0, "target"]``; a rule that concerns
no single field (``__all__``) has ``loc: ["body"]``.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext
from ninja import NinjaAPI
from ninja.errors import ValidationError as NinjaValidationError

from servicepact.core.errors import DomainValidationError, TransitionError, field_errors
from servicepact.core.limits import BodyTooLarge, global_limit, too_large

# The name every handler gives its body parameter; it is not part of the client's field path.
BODY_PARAM = "payload"


def _ninja_errors(errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for error in errors:
        loc = list(error.get("loc", ()))
        if len(loc) >= 2 and loc[0] == "body" and loc[1] == BODY_PARAM:
            del loc[1]
        out.append({"loc": loc, "msg": error.get("msg", ""), "type": error.get("type", "")})
    return out


def install(api: NinjaAPI) -> None:
    def unprocessable(request: HttpRequest, errors: list[dict[str, Any]]) -> HttpResponse:
        return api.create_response(request, {"detail": errors}, status=422)

    @api.exception_handler(NinjaValidationError)
    def request_invalid(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
        return unprocessable(request, _ninja_errors(exc.errors))

    @api.exception_handler(DomainValidationError)
    def domain_invalid(request: HttpRequest, exc: DomainValidationError) -> HttpResponse:
        return unprocessable(request, field_errors(exc.errors))

    @api.exception_handler(DjangoValidationError)
    def model_invalid(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
        errors = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
        return unprocessable(request, field_errors(errors))

    @api.exception_handler(TransitionError)
    def conflict(request: HttpRequest, exc: TransitionError) -> HttpResponse:
        return api.create_response(request, {"detail": exc.message}, status=409)

    @api.exception_handler(PermissionDenied)
    def forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
        detail = str(exc) or gettext("You are not allowed to do this.")
        return api.create_response(request, {"detail": detail}, status=403)

    @api.exception_handler(RequestDataTooBig)
    def body_over_limit(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
        return too_large(global_limit())

    @api.exception_handler(BodyTooLarge)
    def body_over_own_limit(request: HttpRequest, exc: BodyTooLarge) -> HttpResponse:
        return too_large(exc.limit)
