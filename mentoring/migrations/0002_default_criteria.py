from django.db import migrations


def load_defaults(apps, schema_editor):
    from mentoring.defaults import load_default_criteria

    load_default_criteria(
        apps.get_model("mentoring", "CriterionCategory"),
        apps.get_model("mentoring", "CriterionOption"),
        apps.get_model("mentoring", "ProgramSettings"),
    )


class Migration(migrations.Migration):
    dependencies = [("mentoring", "0001_initial")]

    operations = [migrations.RunPython(load_defaults, migrations.RunPython.noop)]
