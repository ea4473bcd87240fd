from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _sync_types(sender, **kwargs) -> None:
    from dangjian.orglife.builtin import sync_builtin_types
    from dangjian.orglife.models import ActivityType

    sync_builtin_types(ActivityType)


class OrglifeConfig(AppConfig):
    name = "dangjian.orglife"
    label = "orglife"
    verbose_name = "Organizational life"

    def ready(self) -> None:
        from dangjian.orglife import ui  # noqa: F401 - registers navigation and home panels

        # a flush (transactional tests) empties the table; migrate alone would not refill it
        post_migrate.connect(_sync_types, sender=self)
