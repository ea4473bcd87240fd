from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TransfersConfig(AppConfig):
    name = "dangjian.transfers"
    label = "transfers"
    verbose_name = "Transfers"

    def ready(self) -> None:
        from dangjian.core import home, navigation
        from dangjian.transfers.views import awaiting_panel

        navigation.register(navigation.NavEntry(
            key="transfers", label=_("Transfers"), url_name="transfers:list",
            icon="arrow-left-right", permission="transfers.request", order=40,
        ))  # fmt: skip
        home.register(home.HomePanel(
            key="transfers.awaiting", title=_("Transfers awaiting your decision"),
            template="transfers/home_awaiting.html", context=awaiting_panel,
            permission="transfers.approve", order=30,
        ))  # fmt: skip
