from django.db import migrations


def load_defaults(apps, schema_editor):
    from mentoring.defaults import DEFAULT_CATEGORIES

    Category = apps.get_model("mentoring", "CriterionCategory")
    Option = apps.get_model("mentoring", "CriterionOption")
    Settings = apps.get_model("mentoring", "ProgramSettings")
    Settings.objects.get_or_create(pk=1)
    for order, row in enumerate(DEFAULT_CATEGORIES, start=1):
        name, applies_to, multiple, weight, must_match, help_text, mentor_help, mentee_help, options = row
        category, created = Category.objects.get_or_create(
            name=name,
            defaults=dict(
                applies_to=applies_to,
                multiple=multiple,
                weight=weight,
                must_match=must_match,
                help_text=help_text,
                mentor_help_text=mentor_help,
                mentee_help_text=mentee_help,
                order=order * 10,
            ),
        )
        if created:
            Option.objects.bulk_create(
                Option(category=category, label=label, order=index * 10)
                for index, label in enumerate(options, start=1)
            )


class Migration(migrations.Migration):
    dependencies = [("mentoring", "0001_initial")]

    operations = [migrations.RunPython(load_defaults, migrations.RunPython.noop)]
