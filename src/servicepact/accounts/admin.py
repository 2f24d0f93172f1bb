from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from servicepact.accounts.models import ApiToken, StaffProfile, Team
from servicepact.accounts.services import revoke_api_tokens


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin[Team]):
    list_display = ["name", "email"]
    filter_horizontal = ["members"]


@admin.register(StaffProfile)
class StaffProfileAdmin(admin.ModelAdmin[StaffProfile]):
    list_display = ["user", "role", "timezone", "preferred_language"]
    list_filter = ["role"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin[ApiToken]):
    """Tokens are created with `servicepact createtoken` or on the user's "API tokens" page;
    only the hash is stored. Revoking goes through the service (an action, never an edit)."""

    list_display = [
        "prefix", "user", "name", "created_at", "last_used_at", "expires_at", "revoked_at"
    ]  # fmt: skip
    list_filter = [("revoked_at", admin.EmptyFieldListFilter), "expires_at"]
    search_fields = ["prefix", "name", "user__username"]
    readonly_fields = [
        "user", "name", "prefix", "key_hash", "created_at", "last_used_at", "expires_at", "revoked_at"
    ]  # fmt: skip
    actions = ["revoke"]

    def has_add_permission(self, request: HttpRequest, obj: ApiToken | None = None) -> bool:
        return False

    @admin.action(description=_("Revoke the selected tokens"))
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        count = revoke_api_tokens(tokens=list(queryset))
        self.message_user(
            request,
            ngettext("%(count)d token revoked.", "%(count)d tokens revoked.", count)
            % {"count": count},
            messages.SUCCESS,
        )
