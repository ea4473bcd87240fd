from django.apps import AppConfig


class OrglifeConfig(AppConfig):
    name = "dangjian.orglife"
    label = "orglife"
    verbose_name = "Organizational life"

    def ready(self) -> None:
        from dangjian.orglife import ui  # noqa: F401 - registers navigation and home panels
