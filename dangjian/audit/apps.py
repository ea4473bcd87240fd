from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "dangjian.audit"
    label = "audit"
    verbose_name = "Audit"

    def ready(self):
        from dangjian.core.navigation import NavEntry, register

        register(NavEntry(key="audit", label=_("Audit log"), url_name="audit:list",
                          icon="journal-check", permission="audit.view", order=900))  # fmt: skip
