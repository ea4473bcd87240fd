"""/api/: v1 resources, OpenAPI schema and offline docs."""

urlpatterns: list = []
