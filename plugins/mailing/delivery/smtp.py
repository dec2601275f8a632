"""One reused SMTP connection, and every answer classified by the stage it came at (RFC 5321, RFC 3463).

`SmtpTransport.send` runs MAIL FROM, RCPT TO, an optional claim, then DATA,
and returns a `Result` about **this recipient**: accepted, refused for good,
deferred (a temporary refusal), unknown (the end of the message went out and
no answer came back: the relay may have queued it) or busy (the claim went to
another sender). Anything that says nothing about the recipient — the
connection cannot be opened, the greeting, the credentials, the sender refused
at MAIL FROM, a policy or quota refusal (5.7.x, x.2.2 / x.3.x / 5.4.5 after the
message, 421 anywhere) — raises `TransportError`: the whole send must stop and
keep everyone not yet delivered pending.
"""

from __future__ import annotations

import logging
import re
import smtplib
import ssl
from collections.abc import Callable
from dataclasses import dataclass

from .config import DeliveryConfig

log = logging.getLogger(__name__)

ACCEPTED = "accepted"
REFUSED = "refused"  # this recipient, for good
DEFERRED = "deferred"  # this recipient, for now
UNKNOWN = "unknown"  # no answer after the end of the message
BUSY = "busy"  # another sender claimed the member
LOST = "lost"  # the connection dropped before the end of the message: nothing was handed over

MAIL, RCPT, DATA, END = "MAIL FROM", "RCPT TO", "DATA", "end of data"
_ENHANCED = re.compile(r"^\s*([245])\.(\d{1,3})\.(\d{1,3})\b")
# Words of an answer about the sending account rather than the recipient, whatever its code.
_ACCOUNT_WORDS = re.compile(r"quota|limit exceeded|sending limit|rate limit|too many messages|authenticat|relay(ing)? (access )?denied", re.I)


class TransportError(RuntimeError):
    """The relay cannot be used now (connection, credentials, sender, policy, quota): stop the send.

    `temporary` says whether the same command may simply be run again later
    (421, 4xx, a connection problem) or something must be fixed first.
    """

    def __init__(self, reason: str, *, temporary: bool = False, code: int | None = None):
        super().__init__(reason)
        self.temporary = temporary
        self.code = code


@dataclass(frozen=True)
class Result:
    """The outcome of one SMTP transaction for one recipient."""

    outcome: str
    code: int | None = None
    detail: str = ""
    stage: str = ""

    @property
    def accepted(self) -> bool:
        return self.outcome == ACCEPTED

    @property
    def enhanced(self) -> tuple[int, int, int] | None:
        match = _ENHANCED.match(self.detail)
        return tuple(int(part) for part in match.groups()) if match else None

    @property
    def hard(self) -> bool:
        """A refusal that says the address does not work (5.1.x bad mailbox or domain, 5.2.1 disabled)."""
        enhanced = self.enhanced
        return self.outcome == REFUSED and enhanced is not None and enhanced[0] == 5 and (
            enhanced[1] == 1 or enhanced[1:] == (2, 1))

    def describe(self) -> str:
        return f"{self.code} {self.detail}".strip() if self.code else self.detail


def _text(detail) -> str:
    if isinstance(detail, bytes):
        detail = detail.decode("utf-8", "replace")
    return " ".join(str(detail or "").split())


def _hint(code: int, enhanced, text: str) -> str:
    if code == 421 or code // 100 == 4:
        return "a temporary refusal: run the same command again later"
    if code in (530, 535) or (enhanced and enhanced[1:] in ((7, 0), (7, 8))) or re.search("authenticat", text, re.I):
        return "authentication: check VIVIER_SMTP_USER and VIVIER_SMTP_PASSWORD, then run the same command again"
    if _ACCOUNT_WORDS.search(text) or code == 552 or (enhanced and enhanced[1:] in ((2, 2), (4, 5), (3, 1))):
        return "the account's sending quota or limit: wait for it to reset or raise it with the provider, then run again"
    if enhanced and enhanced[1] == 7:
        return "the relay's policy refuses this sender or message (verified domain, From address, content): fix it, then run again"
    return "fix what the relay says, then run the same command again"


def recipient_level(stage: str, code: int, text: str) -> bool:
    """Whether an answer at RCPT TO or after the message is about this recipient (else about us: stop)."""
    if stage not in (RCPT, END) or code == 421 or _ACCOUNT_WORDS.search(text):
        return False
    match = _ENHANCED.match(text)
    if code // 100 == 4:
        return True  # greylisting, mailbox busy: retry this one later; a relay deferring everything is caught by the sender
    if match is None:
        return stage == RCPT and code in (550, 551, 553)
    subject, detail = int(match.group(2)), int(match.group(3))
    if subject == 1 or (subject, detail) == (2, 1):
        return True  # bad mailbox, bad domain, disabled
    if subject == 2:
        return stage == RCPT  # mailbox full at RCPT; after the message, x.2.2 is the account's quota
    return False  # x.3 system, x.4 routing/quota, x.5 protocol, x.6 content, x.7 policy: about the send


def classify(stage: str, code: int, detail, host: str = "the relay") -> Result:
    """A refusal at `stage` as a recipient Result, or TransportError when it is about the send."""
    text = _text(detail)
    if recipient_level(stage, code, text):
        return Result(DEFERRED if code // 100 == 4 else REFUSED, code, text, stage)
    enhanced = tuple(int(p) for p in _ENHANCED.match(text).groups()) if _ENHANCED.match(text) else None
    raise TransportError(f"{host} answered {code} {text} at {stage} ({_hint(code, enhanced, text)})",
                         temporary=code // 100 == 4, code=code)


def _payload(data: bytes) -> bytes:
    """The message as sent after DATA: leading dots doubled, CRLF then the final dot (smtplib.SMTP.data's)."""
    quoted = re.sub(rb"(?m)^\.", b"..", data)
    if not quoted.endswith(b"\r\n"):
        quoted += b"\r\n"
    return quoted + b".\r\n"


class SmtpTransport:
    """Sends messages over one connection, opened lazily and reused; a context manager."""

    def __init__(self, config: DeliveryConfig, *, ssl_context: ssl.SSLContext | None = None):
        self.config = config
        self.ssl_context = ssl_context
        self._smtp: smtplib.SMTP | None = None
        self._count = 0
        self.connections = 0  # opened so far, for the summary and tests

    def __enter__(self) -> SmtpTransport:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _context(self) -> ssl.SSLContext:
        return self.ssl_context or ssl.create_default_context()

    def _connect(self) -> smtplib.SMTP:
        config = self.config
        where = f"{config.host}:{config.port}"
        try:
            if config.security == "tls":
                smtp = smtplib.SMTP_SSL(config.host, config.port, timeout=config.timeout, context=self._context())
            else:
                smtp = smtplib.SMTP(config.host, config.port, timeout=config.timeout)
        except ssl.SSLError as exc:
            raise TransportError(f"TLS with {where} failed: {exc}") from exc
        except smtplib.SMTPConnectError as exc:  # the greeting was not 220 (554 refused, 421 busy)
            text = _text(exc.smtp_error)
            raise TransportError(f"{where} refused the connection at the greeting: {exc.smtp_code} {text} "
                                 f"({_hint(exc.smtp_code, None, text)})", temporary=exc.smtp_code // 100 == 4,
                                 code=exc.smtp_code) from exc
        except (OSError, smtplib.SMTPException) as exc:
            raise TransportError(f"cannot connect to {where}: {exc or type(exc).__name__} (is the relay up and "
                                 "MAILING_SMTP_HOST/PORT right? run the same command again once it is)", temporary=True) from exc
        try:
            smtp.ehlo()
            if config.security == "starttls":
                if not smtp.has_extn("starttls"):
                    raise TransportError(
                        f"{config.host}:{config.port} does not offer STARTTLS; set MAILING_SMTP_SECURITY "
                        "to 'tls' (port 465) or use the provider's submission port 587"
                    )
                smtp.starttls(context=self._context())
                smtp.ehlo()
            if config.user:
                smtp.login(config.user, config.password)
        except smtplib.SMTPAuthenticationError as exc:
            smtp.close()
            raise TransportError(
                f"{config.host} refused the credentials of {config.user} ({exc.smtp_code}); "
                "check VIVIER_SMTP_USER and VIVIER_SMTP_PASSWORD", code=exc.smtp_code,
            ) from exc
        except ssl.SSLError as exc:
            smtp.close()
            raise TransportError(f"TLS with {where} failed: {exc}") from exc
        except smtplib.SMTPNotSupportedError as exc:  # an OSError too, but no run later will change it
            smtp.close()
            raise TransportError(
                f"{where} does not offer to log in (no AUTH after EHLO{'' if config.security != 'none' else ', and security is none'}): "
                "many relays offer it only after TLS; set MAILING_SMTP_SECURITY (VIVIER_SMTP_SECURITY) to starttls "
                "or tls, or leave VIVIER_SMTP_USER empty for a relay that takes mail without logging in") from exc
        except (OSError, smtplib.SMTPServerDisconnected) as exc:
            smtp.close()
            raise TransportError(f"{where} closed the connection while opening the session: {exc}", temporary=True) from exc
        except smtplib.SMTPResponseException as exc:
            smtp.close()
            raise TransportError(f"{where} refused the session: {exc.smtp_code} {_text(exc.smtp_error)}",
                                 temporary=exc.smtp_code // 100 == 4, code=exc.smtp_code) from exc
        except BaseException:
            smtp.close()
            raise
        self.connections += 1
        self._count = 0
        log.debug("connected to %s", config.describe())
        return smtp

    def close(self) -> None:
        """QUIT politely; a dead connection is simply dropped."""
        smtp, self._smtp = self._smtp, None
        if smtp is None:
            return
        try:
            smtp.quit()
        except (smtplib.SMTPException, OSError):
            smtp.close()

    def _drop(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is not None:
            smtp.close()

    def _reset(self) -> None:
        """End a refused transaction so the connection can carry the next one (RSET), or drop it."""
        try:
            self._smtp.rset()
        except (smtplib.SMTPException, OSError):
            self._drop()

    def send(self, sender: str, recipient: str, data: bytes, claim: Callable[[], bool] | None = None) -> Result:
        """One transaction for one recipient; `claim()` runs after RCPT TO is accepted and before DATA.

        A reused connection that turns out closed is reopened once; a fresh one
        lost before the end of the message stops the send (TransportError).
        """
        if self._smtp is not None and self._count >= self.config.max_per_connection:
            self.close()
        while True:
            fresh = self._smtp is None
            if fresh:
                self._smtp = self._connect()
            result = self._transaction(sender, recipient, data, claim)
            if result.outcome != LOST:
                return result
            self._drop()
            if fresh:
                raise TransportError(f"{self.config.host} dropped a new connection at {result.stage}: {result.detail} "
                                     "(run the same command again later)", temporary=True)
            log.debug("connection was closed by %s; reconnecting", self.config.host)

    def _transaction(self, sender: str, recipient: str, data: bytes, claim) -> Result:
        smtp, host, stage = self._smtp, self.config.host, MAIL
        try:
            options = [f"SIZE={len(data)}"] if smtp.has_extn("size") else []
            if not (sender + recipient).isascii() and smtp.has_extn("smtputf8"):
                options.append("SMTPUTF8")
            code, text = smtp.mail(sender, options)
            if code != 250:
                self._reset()
                classify(MAIL, code, text, host)  # always about the send: raises
            stage = RCPT
            code, text = smtp.rcpt(recipient)
            if code not in (250, 251):
                self._reset()
                return classify(RCPT, code, text, host)
            if claim is not None and not claim():
                self._reset()
                return Result(BUSY, None, "claimed by another sender", RCPT)
            stage = DATA
            code, text = smtp.docmd("data")
            if code != 354:
                self._reset()
                return classify(DATA, code, text, host)
            smtp.send(_payload(data))
        except smtplib.SMTPNotSupportedError as exc:
            self._reset()
            if stage == RCPT:
                return Result(REFUSED, None, f"{exc} (the address needs SMTPUTF8)", stage)
            raise TransportError(f"{host} cannot take the sender {sender!r}: {exc}") from exc
        except (smtplib.SMTPServerDisconnected, OSError) as exc:
            return Result(LOST, None, f"connection lost: {exc or 'server closed the connection'}", stage)
        try:
            code, text = smtp.getreply()
        except (smtplib.SMTPServerDisconnected, OSError) as exc:
            self._drop()
            return Result(UNKNOWN, None, f"no answer after the end of the message ({exc or 'connection closed'})", END)
        if code == 250:
            self._count += 1
            return Result(ACCEPTED, 250, _text(text), END)
        if code == 421:
            self._drop()
        return classify(END, code, text, host)
