from __future__ import annotations

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "servicepact.accounts"
    label = "accounts"
