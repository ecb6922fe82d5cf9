"""The SMTP backend the worker sends through (settings.DELIVERY_EMAIL_BACKEND when EMAIL_HOST is
set): Django's, with two changes that keep an email from being sent twice.

- It waits EMAIL_DATA_TIMEOUT (default 10 minutes, RFC 5321 4.5.3.2.6) for the server's reply
  after the message itself. Connecting and every other command keep EMAIL_TIMEOUT. A server that
  takes 30 s to accept a message has accepted it: giving up after EMAIL_TIMEOUT and trying again
  sent it again.
- Once the server has accepted the message, failing to say goodbye (QUIT timing out, the
  connection dropping) is not a failure to send.

`is_permanent()` tells a permanent refusal (a 5xx reply) from a failure worth another try.
"""

import smtplib

from django.conf import settings
from django.core.mail.backends import smtp


class _DataTimeout:
    """smtplib's DATA command, waiting `data_timeout` seconds (not the connection's timeout) to
    send the message and for the reply that says whether the server took it."""

    data_timeout: float | None = None

    def data(self, msg):
        self.putcmd("data")
        code, reply = self.getreply()
        if code != 354:
            raise smtplib.SMTPDataError(code, reply)
        if isinstance(msg, str):
            msg = smtplib._fix_eols(msg).encode("ascii")
        quoted = smtplib._quote_periods(msg)
        if quoted[-2:] != smtplib.bCRLF:
            quoted += smtplib.bCRLF
        quoted += b"." + smtplib.bCRLF
        if self.data_timeout is not None and self.sock is not None:
            self.sock.settimeout(self.data_timeout)
        try:
            self.send(quoted)
            return self.getreply()
        finally:
            if self.sock is not None:
                self.sock.settimeout(self.timeout)


class SMTP(_DataTimeout, smtplib.SMTP):
    pass


class SMTP_SSL(_DataTimeout, smtplib.SMTP_SSL):  # noqa: N801 - smtplib's name
    pass


class EmailBackend(smtp.EmailBackend):
    def __init__(self, *args, data_timeout=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.data_timeout = (
            data_timeout if data_timeout is not None else settings.EMAIL_DATA_TIMEOUT
        )

    @property
    def connection_class(self):
        return SMTP_SSL if self.use_ssl else SMTP

    def open(self):
        opened = super().open()
        if self.connection is not None:
            self.connection.data_timeout = self.data_timeout
        return opened

    def _close_connection(self, connection):
        # Every message was accepted or refused already: a QUIT that times out or a connection
        # that drops changes neither, and must not turn a delivered email into a failed one.
        try:
            super()._close_connection(connection)
        except (OSError, smtplib.SMTPException):
            connection.close()


def is_permanent(error: Exception) -> bool:
    """A 5xx reply to the sender, the message, or every recipient: trying again gets the same."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in error.recipients.values()]
        return bool(codes) and all(code >= 500 for code in codes)
    if isinstance(error, smtplib.SMTPSenderRefused | smtplib.SMTPDataError):
        return error.smtp_code >= 500
    return False


def describe(error: Exception) -> str:
    """The mail server's own words, for staff: "550 5.1.1 No such mailbox (for bob@example.com)"."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return "; ".join(
            f"{code} {_text(reply)} (for {address})"
            for address, (code, reply) in error.recipients.items()
        )
    if isinstance(error, smtplib.SMTPSenderRefused):
        return f"{error.smtp_code} {_text(error.smtp_error)} (for the sender {error.sender})"
    if isinstance(error, smtplib.SMTPResponseException):
        return f"{error.smtp_code} {_text(error.smtp_error)}"
    return f"{type(error).__name__}: {error}"


def _text(reply) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
