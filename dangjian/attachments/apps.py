from django.apps import AppConfig


class AttachmentsConfig(AppConfig):
    name = "dangjian.attachments"
    label = "attachments"
    verbose_name = "Attachments"
