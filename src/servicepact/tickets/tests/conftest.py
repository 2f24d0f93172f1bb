from __future__ import annotations

from zoneinfo import ZoneInfo

from servicepact.tickets.testing import Clock, acme, ny  # noqa: F401  (re-exported to the tests)

NY = ZoneInfo("America/New_York")
