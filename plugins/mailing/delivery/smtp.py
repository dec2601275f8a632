"""One reused SMTP connection that reconnects when dropped and classifies every answer.

`SmtpTransport.send` never raises for a server's answer or a lost connection:
it returns a `Result` saying accepted (2xx), temporary (4xx, network trouble)
or permanent (5xx), so the sender decides what to retry. Only problems no
retry can fix (bad credentials, TLS refused) raise `TransportError`.
"""

from __future__ import annotations

import logging
import smtplib
import socket
import ssl
from dataclasses import dataclass

from .config import DeliveryConfig

log = logging.getLogger(__name__)

ACCEPTED = "accepted"
TEMPORARY = "temporary"
PERMANENT = "permanent"


class TransportError(RuntimeError):
    """The server cannot be used at all (authentication, TLS): stop the send."""


@dataclass(frozen=True)
class Result:
    """The outcome of one SMTP transaction."""

    outcome: str
    code: int | None = None
    detail: str = ""

    @property
    def accepted(self) -> bool:
        return self.outcome == ACCEPTED

    @property
    def connection_lost(self) -> bool:
        return self.outcome == TEMPORARY and self.code is None

    def describe(self) -> str:
        return f"{self.code} {self.detail}".strip() if self.code else self.detail


def classify(code: int | None, detail) -> Result:
    """4xx → temporary, 5xx → permanent, 2xx → accepted (anything else is temporary)."""
    if isinstance(detail, bytes):
        detail = detail.decode("utf-8", "replace")
    detail = " ".join(str(detail or "").split())
    if code is not None and 200 <= code < 300:
        return Result(ACCEPTED, code, detail)
    if code is not None and 500 <= code < 600:
        return Result(PERMANENT, code, detail)
    return Result(TEMPORARY, code, detail)


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
        try:
            if config.security == "tls":
                smtp = smtplib.SMTP_SSL(config.host, config.port, timeout=config.timeout, context=self._context())
            else:
                smtp = smtplib.SMTP(config.host, config.port, timeout=config.timeout)
        except ssl.SSLError as exc:
            raise TransportError(f"TLS with {config.host}:{config.port} failed: {exc}") from exc
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
                "check VIVIER_SMTP_USER and VIVIER_SMTP_PASSWORD"
            ) from exc
        except ssl.SSLError as exc:
            smtp.close()
            raise TransportError(f"TLS with {config.host}:{config.port} failed: {exc}") from exc
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

    def send(self, sender: str, recipient: str, data: bytes) -> Result:
        """One SMTP transaction (MAIL, RCPT, DATA) for one recipient; reconnects once if a reused connection died."""
        if self._smtp is not None and self._count >= self.config.max_per_connection:
            self.close()
        reused = self._smtp is not None
        result = self._attempt(sender, recipient, data)
        if reused and result.connection_lost:
            # A pooled connection the server closed while idle: try once on a fresh one.
            log.debug("connection was closed by %s; reconnecting", self.config.host)
            result = self._attempt(sender, recipient, data)
        return result

    def _attempt(self, sender: str, recipient: str, data: bytes) -> Result:
        try:
            if self._smtp is None:
                self._smtp = self._connect()
            refused = self._smtp.sendmail(sender, [recipient], data)
        except smtplib.SMTPRecipientsRefused as exc:
            code, detail = exc.recipients.get(recipient, (None, "recipient refused"))
            return classify(code, detail)
        except smtplib.SMTPServerDisconnected as exc:
            self._drop()
            return Result(TEMPORARY, None, f"connection lost: {exc or 'server closed the connection'}")
        except smtplib.SMTPResponseException as exc:  # sender refused, data error, 421…
            if exc.smtp_code == 421:  # the server is closing the channel
                self._drop()
            return classify(exc.smtp_code, exc.smtp_error)
        except (OSError, socket.timeout, smtplib.SMTPException) as exc:
            self._drop()
            return Result(TEMPORARY, None, f"connection failed: {exc}")
        if refused:
            code, detail = refused.get(recipient, (None, "recipient refused"))
            return classify(code, detail)
        self._count += 1
        return Result(ACCEPTED, 250, "accepted")
