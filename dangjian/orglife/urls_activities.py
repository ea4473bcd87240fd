"""Stub: owned by the activities helper."""

urlpatterns: list = []
