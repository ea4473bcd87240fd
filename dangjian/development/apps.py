from django.apps import AppConfig


class DevelopmentConfig(AppConfig):
    name = "dangjian.development"
    label = "development"
    verbose_name = "Member development"

    def ready(self) -> None:
        from dangjian.development import ui  # noqa: F401 - registers navigation and home panels
