from __future__ import annotations

from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "servicepact.core"
    label = "core"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from servicepact.core.i18n import on_login

        # The UI follows a person's language from the login on (core.i18n).
        user_logged_in.connect(on_login, dispatch_uid="servicepact.core.i18n.on_login")
