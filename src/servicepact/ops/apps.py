from __future__ import annotations

from django.apps import AppConfig


class OpsConfig(AppConfig):
    """Running ServicePact: ``serve``, probes, metrics, request ids (docs/deployment.md)."""

    name = "servicepact.ops"
    label = "ops"

    def ready(self) -> None:
        from django.core.signals import request_finished

        from servicepact.ops import checks  # noqa: F401  (registers the system checks)
        from servicepact.ops.middleware import clear_request_id

        # Infrastructure, not domain logic: the request id's lifetime ends with the response.
        request_finished.connect(clear_request_id, dispatch_uid="servicepact.clear_request_id")
