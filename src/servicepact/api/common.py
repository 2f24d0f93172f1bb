"""Shared pieces of the API: caller, permissions, lookups, pagination, small reference schemas."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Schema
from ninja.errors import ValidationError

from servicepact.core.errors import DomainValidationError
from servicepact.core.pagination import DEFAULT_LIMIT as DEFAULT_LIMIT  # re-exported
from servicepact.core.pagination import MAX_LIMIT, api_page
from servicepact.core.pagination import ListOut as ListOut  # the envelope list schemas extend
from servicepact.core.pagination import PageQuery as PageQuery  # re-exported
from servicepact.customers.models import Contact
from servicepact.customers.selectors import contact_for

M = TypeVar("M", bound=Model)

LIMIT_MAX = MAX_LIMIT


def is_staff(request: HttpRequest) -> bool:
    return bool(request.user.is_authenticated and request.user.is_staff)


def require_staff(request: HttpRequest, what: str = "do this") -> None:
    """403: the object (if any) is visible, but only provider staff may ``what``."""
    if not is_staff(request):
        raise PermissionDenied(_("Only provider staff may %(what)s.") % {"what": what})


def caller_contact(request: HttpRequest) -> Contact | None:
    """The caller's contact record (cached on the request: one query per request at most)."""
    if not hasattr(request, "_servicepact_contact"):
        request._servicepact_contact = contact_for(request.user)  # type: ignore[attr-defined]
    return request._servicepact_contact  # type: ignore[attr-defined,no-any-return]


def get_or_404(queryset: QuerySet[M], pk: int) -> M:
    """Tenancy-scoped lookup: invisible and missing look the same (404)."""
    found = queryset.filter(pk=pk).first()
    if found is None:
        raise Http404(
            _("No %(verbose_name)s %(pk)s")
            % {"verbose_name": queryset.model._meta.verbose_name, "pk": pk}
        )
    return found


def reference(queryset: QuerySet[M], pk: int | None, field: str) -> M | None:
    """An object named by id in a request body: not visible or missing is a 422 on that field."""
    if pk is None:
        return None
    found = queryset.filter(pk=pk).first()
    if found is None:
        name = queryset.model._meta.verbose_name
        raise DomainValidationError(
            {field: [_("no %(name)s with id %(pk)s") % {"name": name, "pk": pk}]}
        )
    return found


def query_error(field: str, msg: str) -> ValidationError:
    """A 422 on a query parameter, in the same shape as request parsing errors."""
    return ValidationError([{"loc": ["query", field], "msg": msg, "type": "invalid"}])


def status_filter(queryset: QuerySet[M], value: str | None, choices: list[str]) -> QuerySet[M]:
    """``?status=`` of a list: rows in that status, a 422 on ``status`` naming the choices when
    it is not one of them, the queryset unchanged when absent."""
    if not value:
        return queryset
    if value not in choices:
        raise query_error("status", _("one of %(choices)s") % {"choices": ", ".join(choices)})
    return queryset.filter(status=value)


def page(
    queryset: QuerySet[Any],
    paging: PageQuery | None = None,
    *,
    limit: int = DEFAULT_LIMIT,
    offset: int = 0,
) -> dict[str, Any]:
    """A list page (``core.pagination.api_page``): pass the handler's ``Query[PageQuery]``."""
    return api_page(queryset, paging or PageQuery(limit=limit, offset=offset))


def rendered_page(
    queryset: QuerySet[Any], paging: PageQuery, render: Callable[[Any], Any]
) -> dict[str, Any]:
    """``page`` with each row rendered: for lists whose filter schema extends ``PageQuery``."""
    found = page(queryset, paging)
    return {**found, "items": [render(row) for row in found["items"]]}


def display_name(user: Any) -> str:
    return (user.get_full_name() or user.get_username()) if user is not None else ""


class Ref(Schema):
    id: int
    name: str


class UserRef(Schema):
    """A user as the API shows it; build it with ``user_ref``."""

    id: int
    username: str
    name: str


def user_ref(user: Any) -> dict[str, Any] | None:
    if user is None:
        return None
    return {"id": user.pk, "username": user.get_username(), "name": display_name(user)}


def pdf_openapi(description: str) -> dict[str, Any]:
    """``openapi_extra`` of an operation that answers a PDF download."""
    return {
        "responses": {
            200: {
                "description": description,
                "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    }
