"""SMTP and pacing settings of `vivier send`, read from settings and the environment.

Credentials come only from the environment (`VIVIER_SMTP_USER`,
`VIVIER_SMTP_PASSWORD`) so that no committed file ever holds them.
"""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass

SECURITY = ("starttls", "tls", "none")
DEFAULT_PORTS = {"starttls": 587, "tls": 465, "none": 25}

DEFAULTS = {
    "MAILING_SMTP_HOST": "localhost",
    "MAILING_SMTP_PORT": None,  # None: 587 for starttls, 465 for tls, 25 for none
    "MAILING_SMTP_SECURITY": "starttls",
    "MAILING_SMTP_TIMEOUT": 30,
    # Many relays cap the messages of one connection; reconnect after this many.
    "MAILING_SMTP_MAX_PER_CONNECTION": 100,
    "MAILING_RATE": 10,  # messages per second
    "MAILING_RETRIES": 3,  # extra attempts after a temporary (4xx) failure
    "MAILING_BACKOFF": 2.0,  # seconds before the first retry; doubles each time
    "MAILING_BACKOFF_MAX": 60.0,
    # Envelope sender (Return-Path, where bounces go); None: the From address.
    "MAILING_ENVELOPE_FROM": None,
}

ENV_USER = "VIVIER_SMTP_USER"
ENV_PASSWORD = "VIVIER_SMTP_PASSWORD"


class DeliveryConfigError(ValueError):
    """A delivery setting is missing or malformed; the message names it."""


@dataclass(frozen=True)
class DeliveryConfig:
    """Everything the sender needs to reach the server and pace the send."""

    host: str
    port: int
    security: str
    timeout: float
    max_per_connection: int
    rate: float
    retries: int
    backoff: float
    backoff_max: float
    envelope_from: str | None
    user: str | None = None
    password: str | None = None

    def describe(self) -> str:
        """Where we send, for logs and the CLI (never the password)."""
        who = f"{self.user}@" if self.user else ""
        return f"smtp://{who}{self.host}:{self.port} ({self.security})"


def _number(settings, key, problems, *, kind=float, minimum=0.0, strictly=False):
    value = settings.get(key, DEFAULTS[key])
    try:
        if isinstance(value, bool):
            raise ValueError
        number = kind(value)
    except (TypeError, ValueError):
        problems.append(f"{key} must be a number, not {value!r}")
        return None
    if number < minimum or (strictly and number == minimum):
        relation = ">" if strictly else "≥"
        problems.append(f"{key} must be {relation} {minimum:g}, not {value!r}")
        return None
    return number


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def load_config(settings: dict, *, rate: float | None = None, environ=None) -> DeliveryConfig:
    """The validated delivery settings; every problem is listed in one DeliveryConfigError."""
    environ = os.environ if environ is None else environ
    problems: list[str] = []
    for secret in ("MAILING_SMTP_USER", "MAILING_SMTP_PASSWORD"):
        if settings.get(secret):
            problems.append(f"{secret} must not be in a settings file: set the {secret.replace('MAILING_', 'VIVIER_')} environment variable instead")
    host = str(settings.get("MAILING_SMTP_HOST") or DEFAULTS["MAILING_SMTP_HOST"]).strip()
    if not host or any(c.isspace() for c in host):
        problems.append(f"MAILING_SMTP_HOST must be a host name like smtp.example.com, not {host!r}")
    security = str(settings.get("MAILING_SMTP_SECURITY") or DEFAULTS["MAILING_SMTP_SECURITY"]).lower()
    if security not in SECURITY:
        problems.append(f"MAILING_SMTP_SECURITY must be one of {', '.join(SECURITY)}, not {security!r}")
        security = "starttls"
    port = settings.get("MAILING_SMTP_PORT") or DEFAULT_PORTS[security]
    if isinstance(port, bool) or not str(port).isdigit() or not 0 < int(port) < 65536:
        problems.append(f"MAILING_SMTP_PORT must be a port number like 587, not {port!r}")
        port = DEFAULT_PORTS[security]
    values = {
        "timeout": _number(settings, "MAILING_SMTP_TIMEOUT", problems, strictly=True),
        "max_per_connection": _number(settings, "MAILING_SMTP_MAX_PER_CONNECTION", problems, kind=int, minimum=1),
        "rate": _number({"MAILING_RATE": rate} if rate is not None else settings, "MAILING_RATE", problems, strictly=True),
        "retries": _number(settings, "MAILING_RETRIES", problems, kind=int),
        "backoff": _number(settings, "MAILING_BACKOFF", problems),
        "backoff_max": _number(settings, "MAILING_BACKOFF_MAX", problems),
    }
    envelope = settings.get("MAILING_ENVELOPE_FROM") or None
    if envelope is not None and ("@" not in str(envelope) or any(c.isspace() or c in "<>" for c in str(envelope))):
        problems.append(f"MAILING_ENVELOPE_FROM must be a bare address like bounces@example.com, not {envelope!r}")
    user = environ.get(ENV_USER) or None
    password = environ.get(ENV_PASSWORD) or None
    if bool(user) != bool(password):
        problems.append(f"set both {ENV_USER} and {ENV_PASSWORD}, or neither")
    if user and security == "none" and not _is_loopback(host):
        problems.append(
            "MAILING_SMTP_SECURITY is 'none' but credentials are set: they would cross the network "
            "in clear; use 'starttls' (port 587) or 'tls' (port 465)"
        )
    if problems:
        raise DeliveryConfigError("Invalid delivery settings:\n  " + "\n  ".join(problems))
    return DeliveryConfig(
        host=host, port=int(port), security=security, envelope_from=envelope, user=user, password=password,
        **values,
    )
