"""The program staff's emails that staff may edit (notifications/catalog.py). Imported by
ProgramConfig.ready()."""

from django.urls import reverse

from notifications.catalog import register
from notifications.emails import absolute_url

register(
    "invitation",
    title="Invitation of an imported member",
    description="To a member created by a member import with 'send invitations' on: a link to "
    "choose a password.",
    placeholders={
        "first_name": "the member's first name",
        "email": "the member's email address",
        "set_password_url": "the personal link to choose a password",
        "valid_days": "how many days the link works",
        "reset_url": "the page to ask for a new link",
    },
    sample=lambda: {
        "first_name": "Maria",
        "email": "maria@example.com",
        "set_password_url": absolute_url("/accounts/password/reset/key/1-sample/"),
        "valid_days": 3,
        "reset_url": absolute_url(reverse("account_reset_password")),
    },
)
