"""A real SMTP server for the tests (aiosmtpd, in a thread), which can refuse an address, answer
slowly, or hold its reply to a given message until the test lets it go."""

import asyncio
import email
import socket
import threading
import time

from aiosmtpd.controller import Controller


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class MailServer:
    """`received` lists every message the server was given (its recipients and Message-ID),
    whether or not it went on to say "250": a real server may keep a message whose sender hung up
    before the reply."""

    def __init__(self, *, refuse=(), reply_after=0.0, hold=()):
        self.port = free_port()
        self.refuse = set(refuse)
        self.reply_after = reply_after
        # The n-th message received (from 1): (held, release). The server sets `held` once it
        # has the message, and replies only when the test sets `release`.
        self.holds = {n: (threading.Event(), threading.Event()) for n in hold}
        self.received = []
        self.accepted = 0
        self._lock = threading.Lock()
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)

    def __enter__(self):
        self._controller.start()
        return self

    def __exit__(self, *exc):
        for _, release in self.holds.values():
            release.set()
        self._controller.stop()

    @property
    def message_ids(self):
        return [message_id for _, message_id in self.received]

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if address in self.refuse:
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        message_id = email.message_from_bytes(envelope.content)["Message-ID"]
        with self._lock:
            self.received.append((list(envelope.rcpt_tos), message_id))
            number = len(self.received)
        if number in self.holds:
            held, release = self.holds[number]
            held.set()
            deadline = time.monotonic() + 120
            while not release.is_set() and time.monotonic() < deadline:
                await asyncio.sleep(0.05)
        if self.reply_after:
            await asyncio.sleep(self.reply_after)
        with self._lock:
            self.accepted += 1
        return "250 Message accepted"
