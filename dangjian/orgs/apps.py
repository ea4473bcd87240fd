from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrgsConfig(AppConfig):
    name = "dangjian.orgs"
    label = "orgs"
    verbose_name = _("Organizations")

    def ready(self) -> None:
        from dangjian.core import home, navigation
        from dangjian.orgs.views import term_reminders_panel

        navigation.register(navigation.NavEntry(
            key="orgs", label=_("Organizations"), url_name="orgs:list", icon="diagram-3",
            permission="orgs.view", order=20,
        ))  # fmt: skip
        home.register(home.HomePanel(
            key="orgs.term_reminders", title=_("Committee terms ending"),
            template="orgs/home_terms.html", context=term_reminders_panel,
            permission="orgs.manage", order=20,
        ))  # fmt: skip
