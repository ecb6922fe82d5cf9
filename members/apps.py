from django.apps import AppConfig
from django.core import checks


class MembersConfig(AppConfig):
    name = "members"
    verbose_name = "Members"

    def ready(self):
        from members.adapter import register_account_links

        register_account_links()
        checks.register(account_emails_store_no_secret, checks.Tags.security)


def account_emails_store_no_secret(app_configs, **kwargs):
    """Account emails are stored (notifications.OutgoingEmail) with their links as markers that
    the worker makes again when it sends. A one-time code cannot be made again, and a stored
    confirmation key is a secret in the database: these allauth settings would undo that."""
    from allauth.account import app_settings

    refused = {
        "ACCOUNT_EMAIL_VERIFICATION_BY_CODE_ENABLED = True": (
            app_settings.EMAIL_VERIFICATION_BY_CODE_ENABLED
        ),
        "ACCOUNT_PASSWORD_RESET_BY_CODE_ENABLED = True": app_settings.PASSWORD_RESET_BY_CODE_ENABLED,
        "ACCOUNT_LOGIN_BY_CODE_ENABLED = True": app_settings.LOGIN_BY_CODE_ENABLED,
        "ACCOUNT_EMAIL_CONFIRMATION_HMAC = False": not app_settings.EMAIL_CONFIRMATION_HMAC,
    }
    return [
        checks.Error(
            f"{name} would put a secret into stored emails.",
            hint="Account links are made when each email is sent (notifications/links.py); "
            "keep codes off and HMAC confirmation keys on.",
            id="members.E001",
        )
        for name, wrong in refused.items()
        if wrong
    ]
