"""URL list of this area (see urls.py)."""

urlpatterns: list = []
