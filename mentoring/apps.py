from django.apps import AppConfig


class MentoringConfig(AppConfig):
    name = "mentoring"
    verbose_name = "Mentoring"

    def ready(self):
        import mentoring.email_catalog  # noqa: F401 (registers the emails staff may edit)
        from members import extensions
        from mentoring import profile
        from mentoring.models import ProgramSettings
        from notifications.emails import register_program_name

        extensions.register_ribbons(profile.ribbons)
        extensions.register_profile_section(profile.profile_sections)
        extensions.register_partner_check(profile.are_partners)
        # Every email names the program; ProgramSettings.current() is cached per process.
        register_program_name(lambda: ProgramSettings.current().program_name)
