"""The billing tests use the project's ``clock`` fixture (root conftest.py)."""
