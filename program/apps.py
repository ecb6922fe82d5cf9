from django.apps import AppConfig


class ProgramConfig(AppConfig):
    name = "program"
    verbose_name = "Program staff"

    def ready(self):
        import program.email_catalog  # noqa: F401 - registers program's editable emails
