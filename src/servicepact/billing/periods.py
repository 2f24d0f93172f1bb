"""Billing periods: the months of core.periods (kept here for the billing and report imports)."""

from __future__ import annotations

from servicepact.core.periods import Period, months_between

__all__ = ["Period", "months_between"]
