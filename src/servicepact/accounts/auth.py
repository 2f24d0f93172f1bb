"""Who is calling the API: a bearer token (per-user, stored hashed) or the browser session.

Shared by every router (api, monitoring, changes, worker).

The session path keeps Django's CSRF check on unsafe methods, but only for a request that
actually carries a logged-in session: an anonymous request gets 401, not a CSRF 403.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.security import HttpBearer
from ninja.security import SessionAuth as NinjaSessionAuth

from servicepact.accounts.services import authenticate_token


class BearerAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = authenticate_token(token)
        if user is not None:
            # Handlers and selectors read request.user whichever way the caller came in.
            request.user = user
        return user


class SessionAuth(NinjaSessionAuth):
    def __call__(self, request: HttpRequest) -> Any:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        return super().__call__(request)  # raises HttpError(403) when CSRF fails


def api_auth() -> list[Any]:
    return [BearerAuth(), SessionAuth()]
