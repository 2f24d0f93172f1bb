from __future__ import annotations

from django.urls import path

from servicepact.api.root import api

urlpatterns = [path("", api.urls)]
