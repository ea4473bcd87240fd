from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "dangjian.accounts"
    label = "accounts"
    verbose_name = "Accounts"

    def ready(self):
        from django.db.models.signals import post_migrate

        from dangjian.accounts.roles import sync_builtin_roles
        from dangjian.core import navigation

        post_migrate.connect(sync_builtin_roles, sender=self)
        navigation.register(
            navigation.NavEntry(
                key="accounts.users",
                label=_("Users"),
                url_name="accounts:user_list",
                icon="people",
                permission="accounts.manage",
                order=900,
            )
        )
        navigation.register(
            navigation.NavEntry(
                key="accounts.security",
                label=_("Security"),
                url_name="accounts:security",
                icon="shield-lock",
                permission="security.manage",
                order=910,
            )
        )
