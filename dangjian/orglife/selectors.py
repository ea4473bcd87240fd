"""Reads of organizational life that are more than one filter."""

from django.db.models import Q

from dangjian.orglife.models import ActivityType, PolicySetting
from dangjian.rules import RuleError
from dangjian.rules import orglife as rules


def policy_for(org) -> rules.OrglifePolicy:
    """The policy set on the nearest of `org` and its ancestors; the national default if none.

    A stored setting that no longer parses falls back to the default (the settings page shows
    the error) rather than stopping every page.
    """
    setting = (
        PolicySetting.objects.filter(org__path__in=org.ancestor_paths())
        .order_by("-org__depth")
        .first()
    )
    if setting is None:
        return rules.ORGLIFE_2018
    try:
        return rules.policy_from_dict(setting.data)
    except RuleError:
        return rules.ORGLIFE_2018


def types_for(org):
    """Activity types `org` may use: the built-in ones and its ancestors' custom types."""
    return ActivityType.objects.filter(
        Q(org__isnull=True) | Q(org__path__in=org.ancestor_paths()), is_active=True
    )


def requirement_of(activity_type: ActivityType, policy: rules.OrglifePolicy):
    """The frequency rule of a type under `policy` (None: no frequency required)."""
    if activity_type.is_builtin:
        return policy.requirement(activity_type.code)
    return activity_type.requirement()
