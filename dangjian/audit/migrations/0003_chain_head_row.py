"""Create the chain head row up front.

Writers lock it with SELECT … FOR UPDATE. If it had to be created by the first writers, two
of them racing to INSERT it can deadlock on MySQL/MariaDB (duplicate-key share locks); with the
row always present they simply queue on its lock.
"""

from django.db import migrations


def create_head(apps, schema_editor):
    head_model = apps.get_model("audit", "AuditChainHead")
    head_model.objects.using(schema_editor.connection.alias).get_or_create(id=1)


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_append_only_trigger")]

    operations = [migrations.RunPython(create_head, migrations.RunPython.noop)]
