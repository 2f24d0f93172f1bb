"""Is the static-files manifest there and newer than every source file?

With ``DEBUG=0`` the static storage is WhiteNoise's manifest storage: every ``{% static %}``
looks its name up in ``STATIC_ROOT/staticfiles.json``, and a missing manifest makes every page
a 500. ``servicepact serve`` collects when the manifest is missing or stale; the system check
in ``ops.checks`` stops the web server from starting without one.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import ManifestFilesMixin
from django.core.files.storage import storages


class ManifestState(StrEnum):
    NOT_USED = "not used"  # plain storage (DEBUG=1, tests): nothing to collect
    MISSING = "missing"
    STALE = "stale"
    FRESH = "fresh"


def manifest_path() -> Path | None:
    """Where the manifest storage keeps its manifest, or None when it is not in use."""
    storage = storages["staticfiles"]
    if not isinstance(storage, ManifestFilesMixin):
        return None
    return Path(storage.path(storage.manifest_name))


def newest_source_mtime() -> float:
    """The latest modification time of any file the finders would collect."""
    newest = 0.0
    for finder in finders.get_finders():
        for path, storage in finder.list([]):
            newest = max(newest, Path(storage.path(path)).stat().st_mtime)
    return newest


def manifest_state() -> ManifestState:
    path = manifest_path()
    if path is None:
        return ManifestState.NOT_USED
    if not path.exists():
        return ManifestState.MISSING
    if newest_source_mtime() > path.stat().st_mtime:
        return ManifestState.STALE
    return ManifestState.FRESH
