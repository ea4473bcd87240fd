"""Menu entries and home panels of this area (imported by MembersConfig.ready)."""

from django.utils.translation import gettext_lazy as _

from dangjian.core.navigation import NavEntry, register

register(NavEntry(key="members.records", label=_("Member records"), url_name="members:person_list",
                  icon="person-vcard", permission="members.view", order=30))  # fmt: skip
