"""An audit's report as a download: attachment, nosniff, never rendered (like ticket files)."""

from __future__ import annotations

from django.http import FileResponse

from servicepact.security.models import SecurityAudit
from servicepact.tickets.attachments import ACTIVE_TYPES


def report_response(audit: SecurityAudit) -> FileResponse:
    kind = audit.report_type or "application/octet-stream"
    if kind in ACTIVE_TYPES or kind.startswith("multipart/"):
        kind = "application/octet-stream"
    response = FileResponse(
        audit.report.open("rb"), as_attachment=True, filename=audit.report_name, content_type=kind
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
