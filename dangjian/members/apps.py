from importlib import import_module

from django.apps import AppConfig

# Modules that register menu entries and home panels (core.navigation, core.home) on start-up.
REGISTRATIONS = ("records_ui", "requests_ui", "import_ui", "insights_ui")


class MembersConfig(AppConfig):
    name = "dangjian.members"
    label = "members"
    verbose_name = "Members"

    def ready(self):
        for name in REGISTRATIONS:
            import_module(f"dangjian.members.{name}")
