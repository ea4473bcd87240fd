"""The built-in activity types (rules.orglife.TYPES); their frequencies come from the policy."""

from django.db import migrations

AUDIENCE = {"committee_meeting": "committee", "group_meeting": "group"}


def create(apps, schema_editor):
    from dangjian.rules.orglife import TYPES

    ActivityType = apps.get_model("orglife", "ActivityType")
    for order, (code, name) in enumerate(TYPES.items(), start=1):
        ActivityType.objects.update_or_create(
            org=None, code=code,
            defaults={"name": name, "order": order, "audience": AUDIENCE.get(code, "branch")},
        )  # fmt: skip


class Migration(migrations.Migration):
    dependencies = [("orglife", "0001_initial")]
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
