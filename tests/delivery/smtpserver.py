"""A real SMTP server (aiosmtpd) on 127.0.0.1 whose answers a test can script.

`script[recipient]` is a list of actions consumed one per DATA for that
recipient: "250" (accept), "451"/"550" (refuse), "drop" (close the
connection without answering, the message is lost), "keep-drop" (keep the
message, then close without answering: the server accepted it but the client
never heard), or a callable run before accepting (e.g. to kill the client).
"""

from __future__ import annotations

import email
import email.policy
import threading
from collections import Counter
from contextlib import contextmanager

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP

RESPONSES = {
    "451": "451 4.3.0 Greylisted, try again later",
    "550": "550 5.1.1 No such user here",
    "421": "421 4.7.0 Too many connections, closing",
}


class Recorder:
    """Collects accepted messages and plays the scripted answers."""

    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.script: dict[str, list] = {}
        self.data_attempts: Counter = Counter()
        self.drop_after: int | None = None  # close every connection after N accepted messages
        self.on_mail = None  # callable(count_so_far) run at MAIL FROM
        self._per_session: Counter = Counter()
        self.lock = threading.Lock()

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        if self.on_mail is not None:
            self.on_mail(len(self.messages))
        if self.drop_after is not None and self._per_session[id(session)] >= self.drop_after:
            server.transport.close()
            return "421 4.4.2 closing"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        recipient = envelope.rcpt_tos[0]
        with self.lock:
            self.data_attempts[recipient] += 1
            actions = self.script.get(recipient) or []
            action = actions.pop(0) if actions else "250"
        if callable(action):
            self._keep(envelope)
            action()
            return "250 OK"
        if action == "drop":
            server.transport.close()
            return "250 never heard"
        if action == "keep-drop":
            self._keep(envelope)
            server.transport.close()
            return "250 never heard"
        if action in RESPONSES:
            return RESPONSES[action]
        self._keep(envelope)
        self._per_session[id(session)] += 1
        return "250 2.0.0 Queued"

    def _keep(self, envelope):
        with self.lock:
            self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
            self.messages.append(email.message_from_bytes(envelope.original_content, policy=email.policy.default))

    # --- what the tests assert on ---------------------------------------

    def recipients(self) -> Counter:
        return Counter(rcpt for _, rcpts in self.envelopes for rcpt in rcpts)

    def message_ids(self) -> Counter:
        return Counter(str(m["Message-ID"]) for m in self.messages)


class _Controller(Controller):
    """aiosmtpd's threaded controller on a free port chosen by the OS (port 0)."""

    def __init__(self, handler, *, tls_context=None, authenticator=None, **kwargs):
        super().__init__(handler, **kwargs)
        self.options = dict(tls_context=tls_context, require_starttls=bool(tls_context),
                            authenticator=authenticator, auth_require_tls=True,
                            auth_exclude_mechanism=["LOGIN"])  # PLAIN only: one clear 535 on a bad password

    def _trigger_server(self):
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()

    def factory(self):
        return SMTP(self.handler, hostname="smtp.test", decode_data=False, enable_SMTPUTF8=True, **self.options)


@contextmanager
def smtp_server(*, tls_context=None, authenticator=None):
    """A running server on 127.0.0.1; yields (recorder, port) and stops the thread at the end.

    With `tls_context` it requires STARTTLS before anything else; with
    `authenticator` it offers AUTH (only once TLS is on).
    """
    recorder = Recorder()
    controller = _Controller(recorder, hostname="127.0.0.1", port=0, tls_context=tls_context, authenticator=authenticator)
    controller.start()
    try:
        yield recorder, controller.port
    finally:
        controller.stop()
