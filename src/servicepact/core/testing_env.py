"""A pytest plugin (``-p servicepact.core.testing_env`` in pyproject's addopts) that sets the
environment of a test run before pytest-django loads the settings.

Settings fail closed without ``SECRET_KEY`` when DEBUG is off; the tests run with DEBUG off
(as production does) and ask for the fixed development key explicitly. A conftest.py would
be too late: pytest-django reads the settings before conftest files are imported.
Subprocesses the tests start inherit the variable.
"""

from __future__ import annotations

import os

os.environ.setdefault("SERVICEPACT_INSECURE_DEV_KEY", "1")

# Alert deliveries of up to 500 alerts are stored in the request (the same set-based pipeline
# as the worker's inbox drain, monitoring/batch.py), so tests read their outcome at once and
# the answer lists the tickets; production's default (0) queues every delivery.
os.environ.setdefault("SERVICEPACT_ALERT_INLINE_MAX", "500")

# A worker pass waits at most OUTBOX_PASS_BUDGET seconds for its sends (2 in production);
# tests that run a pass and then read what was sent must not depend on the machine being
# idle (a send to the local SMTP/HTTP receiver taking more than 2 s on a loaded machine).
# The tests of the budget itself set their own (worker/tests/test_slow_receiver.py).
os.environ.setdefault("SERVICEPACT_OUTBOX_PASS_BUDGET", "60")

# The tests read the Chinese catalogue: build its .mo when the .po is newer (make install
# does the same; this covers a .po edited or merged since).
from servicepact.core.catalogue import compile_all

compile_all(only_stale=True)
