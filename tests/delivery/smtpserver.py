"""A real SMTP server (aiosmtpd) on 127.0.0.1 whose answers a test can script, to inject a relay's faults.

`script[recipient]` is a list of actions consumed one per DATA for that
recipient: "250" (accept), a key of RESPONSES or a whole reply line (refuse),
"drop" (close the connection after the end of the message without answering,
the message is lost), "keep-drop" (keep the message, then close without
answering: the server accepted it but the client never heard), or a callable
run before accepting (e.g. to kill the client).
`rcpt_script[recipient]` does the same at RCPT TO (replies only);
`mail_reply(accepted)` and `data_reply(accepted)` may answer MAIL FROM and the
end of every message with a refusal (None: go on), given how many messages
were accepted so far; `queue_delay` makes the server wait that many seconds
after keeping a message before its 250 (a slow-queueing relay).
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import socket
import threading
from collections import Counter
from contextlib import contextmanager

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP

RESPONSES = {
    "451": "451 4.3.0 Greylisted, try again later",
    "550": "550 5.1.1 No such user here",
    "421": "421 4.7.0 Too many connections, closing",
    "452": "452 4.2.2 Mailbox full, try again later",
    "530": "530 5.7.0 Authentication required",
    "552": "552 5.2.2 Daily sending quota exceeded for this account",
}


class Recorder:
    """Collects accepted messages and plays the scripted answers."""

    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []
        self.raw: list[bytes] = []  # the bytes of each kept message, as received
        self.envelopes: list[tuple[str, list[str]]] = []
        self.script: dict[str, list] = {}
        self.data_attempts: Counter = Counter()
        self.drop_after: int | None = None  # close every connection after N accepted messages
        self.on_mail = None  # callable(count_so_far) run at MAIL FROM
        self.mail_reply = None  # callable(count_so_far) -> refusal line or None, at MAIL FROM
        self.data_reply = None  # callable(count_so_far) -> refusal line or None, at the end of the message
        self.on_rcpt = None  # callable(address) run at RCPT TO, before the answer
        self.rcpt_script: dict[str, list] = {}
        self.rcpt_attempts: Counter = Counter()
        self.rcpt_log: list[str] = []  # every RCPT TO, in order
        self.queue_delay = 0.0
        self._per_session: Counter = Counter()
        self.lock = threading.Lock()

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        if self.on_mail is not None:
            self.on_mail(len(self.messages))
        if self.drop_after is not None and self._per_session[id(session)] >= self.drop_after:
            server.transport.close()
            return "421 4.4.2 closing"
        if self.mail_reply is not None and (reply := self.mail_reply(len(self.messages))):
            return RESPONSES.get(reply, reply)
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.on_rcpt is not None:
            self.on_rcpt(address)
        with self.lock:
            self.rcpt_attempts[address] += 1
            self.rcpt_log.append(address)
            actions = self.rcpt_script.get(address) or []
            action = actions.pop(0) if actions else "250"
        if action != "250":
            return RESPONSES.get(action, action)
        envelope.rcpt_tos.append(address)
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
        if action in RESPONSES or action[:1] in "45":
            return RESPONSES.get(action, action)
        if self.data_reply is not None and (reply := self.data_reply(len(self.messages))):
            return RESPONSES.get(reply, reply)
        self._keep(envelope)
        self._per_session[id(session)] += 1
        if self.queue_delay:
            await asyncio.sleep(self.queue_delay)
        return "250 2.0.0 Queued"

    def _keep(self, envelope):
        with self.lock:
            self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
            self.raw.append(envelope.original_content)
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


@contextmanager
def refusing_greeter(line: str = "554 5.7.1 smtp.test: no service for you"):
    """A TCP server on 127.0.0.1 that greets every connection with `line` and closes it; yields its port."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    listener.settimeout(0.2)
    done = threading.Event()

    def serve():
        while not done.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                continue
            with conn:
                conn.sendall(line.encode("ascii") + b"\r\n")

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        done.set()
        thread.join(5)
        listener.close()
