from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "dangjian.audit"
    label = "audit"
    verbose_name = "Audit"
