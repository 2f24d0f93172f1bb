from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from servicepact.accounts.choices import BillingRole, StaffRole
from servicepact.core.i18n import preferred_language_field
from servicepact.core.models import TimeStampedModel


class Team(TimeStampedModel):
    name = models.CharField(_("name"), max_length=100, unique=True)
    email = models.EmailField(_("team e-mail"), blank=True)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="teams", blank=True, verbose_name=_("members")
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("team")
        verbose_name_plural = _("teams")

    def __str__(self) -> str:
        return self.name


class StaffProfile(TimeStampedModel):
    """Role and preferences of a provider employee (a user with ``is_staff``)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff_profile"
    )
    role = models.CharField(
        _("role"), max_length=32, choices=StaffRole.choices, default=StaffRole.AGENT_L1
    )
    billing_role = models.CharField(
        _("billing role"),
        max_length=20,
        choices=BillingRole.choices,
        blank=True,
        help_text=_(
            "The rate card's role this person's work is priced at; empty: the work type's rate."
        ),
    )
    timezone = models.CharField(_("time zone"), max_length=64, default="UTC")
    preferred_language = preferred_language_field(
        _("Pages and messages in this language; empty: the browser's.")
    )

    class Meta:
        verbose_name = _("staff profile")
        verbose_name_plural = _("staff profiles")

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()})"


class ApiToken(models.Model):
    """A per-user bearer token. Only the SHA-256 of the secret is stored."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("name"), max_length=100, blank=True)
    prefix = models.CharField(_("prefix"), max_length=12, db_index=True)
    key_hash = models.CharField(_("key hash"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"

    def is_usable(self, at: datetime) -> bool:
        """Not revoked and not expired at ``at``."""
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > at)
