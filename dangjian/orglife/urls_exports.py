"""Stub: owned by the exports helper."""

urlpatterns: list = []
