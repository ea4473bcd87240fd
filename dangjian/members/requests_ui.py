"""Menu entries and home panels of this area (imported by MembersConfig.ready)."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from dangjian.core.home import HomePanel
from dangjian.core.home import register as register_panel
from dangjian.core.navigation import NavEntry
from dangjian.core.navigation import register as register_nav


def verify_panel(request) -> dict | None:
    """ "Please check your personal information" while a campaign waits for the user."""
    from dangjian.members.campaign_services import pending_for

    responses = pending_for(request.user)
    return {"responses": responses, "more_url": ""} if responses else None


def corrections_panel(request) -> dict | None:
    """Pending correction requests the user may decide."""
    from dangjian.members.correction_services import pending_count

    count = pending_count(request.user)
    return {"count": count, "more_url": reverse("members:correction_list")} if count else None


register_nav(NavEntry(key="members.me", label=_("My record"), url_name="members:me",
                      icon="person-vcard", order=15))  # fmt: skip
register_nav(NavEntry(key="members.campaigns", label=_("Verification"),
                      url_name="members:campaign_list", icon="clipboard-check",
                      permission="members.manage", order=34))  # fmt: skip
register_panel(HomePanel(key="members.verify", title=_("Please check your personal information"),
                         template="members/self/home_verify.html", context=verify_panel,
                         order=5))  # fmt: skip
register_panel(HomePanel(key="members.corrections", title=_("Correction requests to review"),
                         template="members/corrections/home_pending.html",
                         context=corrections_panel, permission="members.manage",
                         order=25))  # fmt: skip
