# The shared cache (rate-limit counts) is a database table by default: `migrate` creates it, so no
# deploy step, benchmark or fresh clone can miss it. createcachetable skips a table that exists.
from django.core.management import call_command
from django.db import migrations


def create_cache_table(apps, schema_editor):
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = [("members", "0003_last_active")]

    operations = [migrations.RunPython(create_cache_table, migrations.RunPython.noop)]
