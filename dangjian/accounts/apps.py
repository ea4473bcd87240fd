from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "dangjian.accounts"
    label = "accounts"
    verbose_name = "Accounts"

    def ready(self):
        from django.db.models.signals import post_migrate

        from dangjian.accounts.roles import sync_builtin_roles

        post_migrate.connect(sync_builtin_roles, sender=self)
