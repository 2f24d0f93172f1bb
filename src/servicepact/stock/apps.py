from __future__ import annotations

from django.apps import AppConfig


class StockConfig(AppConfig):
    name = "servicepact.stock"
    label = "stock"
