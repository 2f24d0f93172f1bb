"""The reports tests use the project's ``clock`` fixture and plain static storage (root conftest.py)."""
