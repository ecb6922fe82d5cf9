from django.conf import settings
from django.core import checks


@checks.register()
def delivery_lease_outlasts_a_delivery(app_configs, **kwargs):
    """A lease shorter than one SMTP conversation lets the sweep send again an email that a live
    worker is still waiting to hear about: a duplicate."""
    conversation = settings.EMAIL_DATA_TIMEOUT + 2 * settings.EMAIL_TIMEOUT
    if conversation < settings.EMAIL_DELIVERY_LEASE:
        return []
    return [
        checks.Warning(
            f"EMAIL_DELIVERY_LEASE ({settings.EMAIL_DELIVERY_LEASE} s) is not longer than an SMTP "
            f"conversation may last (EMAIL_DATA_TIMEOUT + 2 × EMAIL_TIMEOUT = {conversation} s): "
            "an email still being sent may be sent again.",
            hint="Raise EMAIL_DELIVERY_LEASE (default 900) or lower EMAIL_DATA_TIMEOUT.",
            id="notifications.W001",
        )
    ]
