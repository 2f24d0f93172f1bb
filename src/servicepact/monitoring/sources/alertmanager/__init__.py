"""Prometheus Alertmanager webhook receiver (payload version 4)."""
