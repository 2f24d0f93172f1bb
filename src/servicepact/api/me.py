"""Who am I: the caller as the API sees it (useful to check a token)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema

from servicepact.api.common import Ref, caller_contact, display_name
from servicepact.core.api_schema import reads

router = Router(tags=["me"])


class MyContact(Schema):
    id: int
    name: str
    customer: Ref


class MeOut(Schema):
    id: int
    username: str
    name: str
    is_staff: bool
    contact: MyContact | None


@router.get("/me", response=reads(MeOut), operation_id="me_get", summary="Who am I")
def me(request: HttpRequest) -> dict[str, Any]:
    user = request.user
    contact = caller_contact(request)
    return {
        "id": user.pk,
        "username": user.get_username(),
        "name": display_name(user),
        "is_staff": user.is_staff,
        "contact": contact,
    }
