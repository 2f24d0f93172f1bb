"""System checks for serving: the static manifest must exist before the web server starts.

Registered as a deployment check (``servicepact check --deploy``) rather than an everyday one,
so ``migrate``, ``worker`` and the other commands still run on a machine that never serves
pages. The web server runs it at start-up: ``servicepact serve`` after collecting, and
``servicepact.wsgi`` (any WSGI server) before answering the first request.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core import checks
from django.core.checks import CheckMessage

from servicepact.ops.staticfiles import ManifestState, manifest_path, manifest_state

STATIC_TAG = "servicepact_static"


@checks.register(STATIC_TAG, deploy=True)
def static_manifest(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """With DEBUG=0 and the manifest storage, ``STATIC_ROOT/staticfiles.json`` must exist."""
    if settings.DEBUG or manifest_state() != ManifestState.MISSING:
        return []
    return [
        checks.Error(
            f"The static files manifest {manifest_path()} is missing, so every page would "
            "answer 500.",
            hint="Run `servicepact collectstatic --noinput` (or start the site with "
            "`servicepact serve`, which collects first).",
            id="servicepact.E001",
        )
    ]


def require_static_manifest() -> None:
    """Raises ``SystemCheckError`` naming ``servicepact collectstatic`` when the check fails."""
    from django.core.management.base import SystemCheckError

    errors = static_manifest()
    if errors:
        error = errors[0]
        raise SystemCheckError(f"{error.id}: {error.msg}\n\tHINT: {error.hint}")


@checks.register()
def metrics_allow_list(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """``SERVICEPACT_METRICS_ALLOW`` must be CIDRs: a typo would otherwise be a 500 per scrape."""
    import ipaddress

    from servicepact.core.config import option

    errors: list[CheckMessage] = []
    for cidr in option("METRICS_ALLOW", None) or ():
        try:
            ipaddress.ip_network(cidr, strict=False)
        except ValueError:
            errors.append(
                checks.Error(
                    f"SERVICEPACT_METRICS_ALLOW: {cidr!r} is not an address or a CIDR network",
                    hint="Comma-separated, e.g. 127.0.0.1/32,::1/128,10.0.5.0/24",
                    id="servicepact.E002",
                )
            )
    return errors
