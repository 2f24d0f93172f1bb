from __future__ import annotations

import pytest

from servicepact.billing.tests.conftest import clock  # noqa: F401 - the shared fixture


@pytest.fixture(autouse=True)
def _plain_static_files(settings):
    """base.html uses {% static %}; tests have no collected manifest."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
