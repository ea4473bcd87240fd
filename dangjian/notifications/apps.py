from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "dangjian.notifications"
    label = "notifications"
    verbose_name = "Notifications"
