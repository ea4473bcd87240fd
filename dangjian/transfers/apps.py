from django.apps import AppConfig


class TransfersConfig(AppConfig):
    name = "dangjian.transfers"
    label = "transfers"
    verbose_name = "Transfers"
