"""Every error is JSON with ``detail``; validation errors list the fields by ``loc``.

422 has one shape whether pydantic (request parsing) or a service (domain rules) refused:
``{"detail": [{"loc": ["body", "impact"], "msg": "...", "type": "..."}]}``. A domain field
such as ``kpis[0].target`` becomes ``["body", "kpis", 0, "target"]``; a rule that concerns
no single field (``__all__``) has ``loc: ["body"]``.

django-ninja's own texts ("Not Found", "Unauthorized", "Forbidden", pydantic's 422 ``msg``)
are answered in the request's language by the handlers below, with the same shape and status:
``NINJA_DETAILS`` and ``PYDANTIC_MESSAGES`` (by pydantic's ``type``; a type not listed keeps
pydantic's English text). English answers are exactly django-ninja's and pydantic's.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext, gettext_lazy
from ninja import NinjaAPI
from ninja.errors import HttpError
from ninja.errors import ValidationError as NinjaValidationError

from servicepact.core.errors import DomainValidationError, TransitionError, field_errors
from servicepact.core.limits import BodyTooLarge, global_limit, too_large

# The name every handler gives its body parameter; it is not part of the client's field path.
BODY_PARAM = "payload"


# django-ninja's fixed ``HttpError`` texts (401, 403, 429, 400 on an unparsable body).
NINJA_DETAILS: dict[str, Promise] = {
    "Unauthorized": gettext_lazy("Unauthorized"),
    "Forbidden": gettext_lazy("Forbidden"),
    "Too many requests.": gettext_lazy("Too many requests."),
    "CSRF check Failed": gettext_lazy("CSRF check Failed"),
    "Cannot parse request body": gettext_lazy("Cannot parse request body"),
}

# pydantic's messages by error ``type``; placeholders are the error's ``ctx`` keys.
PYDANTIC_MESSAGES: dict[str, Promise] = {
    "missing": gettext_lazy("Field required"),
    "extra_forbidden": gettext_lazy("Extra inputs are not permitted"),
    "int_type": gettext_lazy("Input should be a valid integer"),
    "int_parsing": gettext_lazy("Input should be a valid integer"),
    "int_from_float": gettext_lazy("Input should be a valid integer"),
    "float_type": gettext_lazy("Input should be a valid number"),
    "float_parsing": gettext_lazy("Input should be a valid number"),
    "decimal_type": gettext_lazy("Input should be a valid decimal"),
    "decimal_parsing": gettext_lazy("Input should be a valid decimal"),
    "bool_type": gettext_lazy("Input should be a valid boolean"),
    "bool_parsing": gettext_lazy("Input should be a valid boolean"),
    "string_type": gettext_lazy("Input should be a valid string"),
    "string_too_short": gettext_lazy("String should have at least %(min_length)s characters"),
    "string_too_long": gettext_lazy("String should have at most %(max_length)s characters"),
    "string_pattern_mismatch": gettext_lazy("String should match pattern '%(pattern)s'"),
    "too_short": gettext_lazy("List should have at least %(min_length)s items"),
    "too_long": gettext_lazy("List should have at most %(max_length)s items"),
    "greater_than": gettext_lazy("Input should be greater than %(gt)s"),
    "greater_than_equal": gettext_lazy("Input should be greater than or equal to %(ge)s"),
    "less_than": gettext_lazy("Input should be less than %(lt)s"),
    "less_than_equal": gettext_lazy("Input should be less than or equal to %(le)s"),
    "literal_error": gettext_lazy("Input should be %(expected)s"),
    "enum": gettext_lazy("Input should be %(expected)s"),
    "date_type": gettext_lazy("Input should be a valid date"),
    "date_parsing": gettext_lazy("Input should be a valid date"),
    "date_from_datetime_parsing": gettext_lazy("Input should be a valid date"),
    "datetime_type": gettext_lazy("Input should be a valid datetime"),
    "datetime_parsing": gettext_lazy("Input should be a valid datetime"),
    "datetime_from_date_parsing": gettext_lazy("Input should be a valid datetime"),
    "timezone_aware": gettext_lazy("Input should have timezone info"),
    "list_type": gettext_lazy("Input should be a valid list"),
    "dict_type": gettext_lazy("Input should be a valid dictionary"),
    "model_type": gettext_lazy("Input should be a valid dictionary or object"),
    "model_attributes_type": gettext_lazy("Input should be a valid dictionary or object"),
    "uuid_parsing": gettext_lazy("Input should be a valid UUID"),
    "uuid_type": gettext_lazy("Input should be a valid UUID"),
    "json_invalid": gettext_lazy("Invalid JSON"),
}


def _english() -> bool:
    return (translation.get_language() or "en").split("-")[0] == "en"


def pydantic_message(error: dict[str, Any]) -> str:
    """pydantic's ``msg`` of ``error`` in the active language (unchanged in English)."""
    msg = str(error.get("msg", ""))
    template = PYDANTIC_MESSAGES.get(str(error.get("type", "")))
    if template is None or _english():
        return msg
    ctx = {k: v for k, v in (error.get("ctx") or {}).items() if isinstance(v, str | int | float)}
    try:
        return str(template) % ctx
    except (KeyError, TypeError, ValueError):
        return msg


def ninja_detail(message: str) -> str:
    """A django-ninja ``HttpError`` text in the active language; our own texts (already
    translated when raised) and unknown ones pass through."""
    base, sep, rest = message.partition(" (")
    known = NINJA_DETAILS.get(base)
    if known is None:
        return message
    return f"{known}{sep}{rest}"


def _ninja_errors(errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for error in errors:
        loc = list(error.get("loc", ()))
        if len(loc) >= 2 and loc[0] == "body" and loc[1] == BODY_PARAM:
            del loc[1]
        out.append({"loc": loc, "msg": pydantic_message(error), "type": error.get("type", "")})
    return out


def install(api: NinjaAPI) -> None:
    def unprocessable(request: HttpRequest, errors: list[dict[str, Any]]) -> HttpResponse:
        return api.create_response(request, {"detail": errors}, status=422)

    @api.exception_handler(NinjaValidationError)
    def request_invalid(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
        return unprocessable(request, _ninja_errors(exc.errors))

    @api.exception_handler(Http404)
    def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        detail = gettext("Not Found")
        if settings.DEBUG:
            detail += f": {exc}"
        return api.create_response(request, {"detail": detail}, status=404)

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        detail = ninja_detail(str(exc))
        return api.create_response(request, {"detail": detail}, status=exc.status_code)

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
