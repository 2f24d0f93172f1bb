"""Billing periods are ``core.periods`` (one period type for billing, monitoring and pages);
this module keeps the name billing code has always imported."""

from __future__ import annotations

from servicepact.core.periods import Period, months_between

__all__ = ["Period", "months_between"]
