"""The built-in activity types (rules.orglife.TYPES); their frequencies come from the policy."""

from django.db import migrations


def create(apps, schema_editor):
    from dangjian.orglife.builtin import sync_builtin_types

    sync_builtin_types(apps.get_model("orglife", "ActivityType"))


class Migration(migrations.Migration):
    dependencies = [("orglife", "0001_initial")]
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
