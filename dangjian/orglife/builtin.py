"""The built-in activity types (rules.orglife.TYPES), kept in the database so activities of
built-in and custom types share one foreign key. Created by migration 0002 and re-synced after
every migrate and flush (post_migrate), as the built-in roles are."""

from dangjian.rules.orglife import TYPES

AUDIENCE = {"committee_meeting": "committee", "group_meeting": "group"}


def sync_builtin_types(activity_type_model) -> None:
    """Create or rename the built-in types; `activity_type_model` may be a migration's model."""
    for order, (code, name) in enumerate(TYPES.items(), start=1):
        activity_type_model.objects.update_or_create(
            org=None, code=code,
            defaults={"name": name, "order": order, "audience": AUDIENCE.get(code, "branch")},
        )  # fmt: skip
