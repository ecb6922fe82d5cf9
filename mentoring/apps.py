from django.apps import AppConfig


class MentoringConfig(AppConfig):
    name = "mentoring"
    verbose_name = "Mentoring"

    def ready(self):
        import mentoring.email_catalog  # noqa: F401 (registers the emails staff may edit)
        from members import extensions
        from mentoring import profile

        extensions.register_ribbons(profile.ribbons)
        extensions.register_profile_section(profile.profile_sections)
        extensions.register_partner_check(profile.are_partners)
