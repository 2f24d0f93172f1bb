"""WSGI entry point (``servicepact serve``, or any WSGI server: ``gunicorn servicepact.wsgi``).

Refuses to start without the static files manifest when DEBUG=0 (``servicepact.E001``, naming
``servicepact collectstatic``), rather than answering 500 to every page.
"""

from __future__ import annotations

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "servicepact.settings")
application = get_wsgi_application()

from servicepact.ops.checks import require_static_manifest  # noqa: E402  (needs apps loaded)

require_static_manifest()
