from django.core.mail.backends.base import BaseEmailBackend

from notifications.delivery import queue_message


class QueuedEmailBackend(BaseEmailBackend):
    """settings.EMAIL_BACKEND: store each message and leave sending to the background worker.

    Works for every sender, allauth's verification and password-reset emails included. The row and
    the task are written in the caller's transaction: they exist exactly when its change does.
    """

    # Account links stay markers in the stored row; the worker makes them when it sends
    # (notifications/links.py).
    keeps_link_markers = True

    def send_messages(self, email_messages):
        for message in email_messages:
            queue_message(message)
        return len(email_messages)
