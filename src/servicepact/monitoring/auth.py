"""API authentication by an alert source's bearer token (stored as SHA-256)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.security import HttpBearer

from servicepact.monitoring.services import authenticate_source


class SourceTokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        return authenticate_source(token)
