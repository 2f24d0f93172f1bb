"""Project-wide pytest set-up."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _clear_calendar_cache() -> None:
    """Compiled calendars are cached per process by (id, revision); test DBs reuse ids."""
    from servicepact.contracts.calendars import clear_cache

    clear_cache()


@pytest.fixture(autouse=True)
def _clear_django_cache() -> None:
    """The dashboard caches its live part (reports.dashboard); test DBs reuse ids."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings) -> None:  # type: ignore[no-untyped-def]
    """PBKDF2 costs ~0.5 s per user on this hardware; tests do not test hashing strength."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _plain_static_storage(settings) -> None:  # type: ignore[no-untyped-def]
    """Manifest storage needs `collectstatic`; tests render templates without it."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def _language_reset():  # type: ignore[no-untyped-def]
    """A request in Chinese leaves its language active in the thread (LocaleMiddleware does
    not deactivate it): each test starts, and leaves, in the default language."""
    from django.utils import translation

    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture(scope="session")
def _media_dir(tmp_path_factory):  # type: ignore[no-untyped-def]
    return tmp_path_factory.mktemp("media")


@pytest.fixture(autouse=True)
def _media_root(settings, _media_dir) -> None:  # type: ignore[no-untyped-def]
    """Uploaded files (attachments) go to a temporary folder, never into var/."""
    settings.MEDIA_ROOT = str(_media_dir)


@pytest.fixture
def clock():  # type: ignore[no-untyped-def]
    """Controls time: ``clock.at(instant)`` freezes it there (time-machine, no ticking)."""
    from servicepact.core.testing import Clock

    c = Clock()
    yield c
    c.stop()


# Rows a data migration seeds (the built-in SLA metrics, contracts 0005) are part of every
# installation, but a transactional test ends with a flush of every table: the next
# transactional test would run without them ("metric: must be one of" on an empty list).
# Each transactional test starts with the seed applied again, exactly as the migration does.
SEEDING_MIGRATIONS = (
    "servicepact.contracts.migrations.0005_seed_builtin_metrics",
    "servicepact.contracts.migrations.0009_parts_delivery_metric",
)


@pytest.fixture(autouse=True)
def _migration_seeds_after_flush(request):  # type: ignore[no-untyped-def]
    marker = request.node.get_closest_marker("django_db")
    transactional = (marker is not None and marker.kwargs.get("transaction")) or bool(
        {"transactional_db", "live_server"} & set(request.fixturenames)
    )
    if not transactional:
        return
    import importlib

    from django.apps import apps

    request.getfixturevalue("transactional_db")
    for name in SEEDING_MIGRATIONS:
        importlib.import_module(name).seed(apps, None)
