"""Stub: owned by the meeting helper."""

urlpatterns: list = []
