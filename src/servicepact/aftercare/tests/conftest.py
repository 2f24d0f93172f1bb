"""Aftercare tests: Acme (New York, ACME-1, USD) and Globex (Shanghai) from
``tickets.testing``, the manager of ``aftercare.testing``."""

from __future__ import annotations

from servicepact.aftercare.testing import manager
from servicepact.tickets.testing import acme, globex

__all__ = ["acme", "globex", "manager"]
