"""Menu entries and home panels of this area (imported by MembersConfig.ready)."""

from django.utils.translation import gettext_lazy as _

from dangjian.core.navigation import NavEntry, register

register(NavEntry(key="members.statistics", label=_("Statistics"), url_name="members:statistics",
                  icon="bar-chart", permission="members.view", order=50))  # fmt: skip
register(NavEntry(key="members.quality", label=_("Data quality"), url_name="members:quality",
                  icon="clipboard-check", permission="members.manage", order=51))  # fmt: skip
