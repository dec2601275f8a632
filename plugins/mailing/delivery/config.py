"""SMTP and pacing settings of `vivier send`, read from settings and the environment.

Credentials come only from the environment (`VIVIER_SMTP_USER`,
`VIVIER_SMTP_PASSWORD`) so that no committed file ever holds them.
"""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass

from ..settings import defaults_of

SECURITY = ("starttls", "tls", "none")
DEFAULT_PORTS = {"starttls": 587, "tls": 465, "none": 25}

# Declared with every mail setting in mailing.settings; this is delivery's view of them.
DEFAULTS = defaults_of(
    "MAILING_SMTP_HOST", "MAILING_SMTP_PORT", "MAILING_SMTP_SECURITY", "MAILING_SMTP_TIMEOUT",
    "MAILING_SMTP_MAX_PER_CONNECTION", "MAILING_RATE", "MAILING_RETRIES", "MAILING_BACKOFF", "MAILING_BACKOFF_MAX",
    "MAILING_ENVELOPE_FROM", "MAILING_VERP", "MAILING_SMTP_CONNECTIONS", "MAILING_DOMAIN_RATE",
    "MAILING_SOFT_BOUNCE_LIMIT", "MAILING_CLAIM_LEASE", "MAILING_DKIM_SELECTOR", "MAILING_DKIM_DOMAIN",
)

ENV_USER = "VIVIER_SMTP_USER"
ENV_PASSWORD = "VIVIER_SMTP_PASSWORD"
ENV_DKIM_KEY = "VIVIER_DKIM_KEY"  # path of the PEM private key (never in a settings file)


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
    connections: int = 1
    domain_rate: float | None = None
    soft_bounce_limit: int = 3
    verp: bool = False
    claim_lease: float | None = None
    dkim_selector: str | None = None
    dkim_domain: str | None = None
    dkim_key: bytes | None = None

    @property
    def lease(self) -> float:
        """Seconds a claim lives: long enough for DATA and its answer to time out."""
        return self.claim_lease if self.claim_lease else 4 * self.timeout + 30

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


def _dkim(settings, environ, problems) -> dict:
    selector = settings.get("MAILING_DKIM_SELECTOR", DEFAULTS["MAILING_DKIM_SELECTOR"]) or None
    if selector is None:
        return {}
    domain = settings.get("MAILING_DKIM_DOMAIN", DEFAULTS["MAILING_DKIM_DOMAIN"]) or None
    if not str(selector).replace("-", "").replace("_", "").isalnum():
        problems.append(f"MAILING_DKIM_SELECTOR must be a DNS label like 'vivier2026', not {selector!r}")
    path = environ.get(ENV_DKIM_KEY)
    if not path:
        problems.append(f"MAILING_DKIM_SELECTOR is set: set {ENV_DKIM_KEY} to the path of the PEM private key")
        return {}
    try:
        key = open(os.path.expanduser(path), "rb").read()
    except OSError as exc:
        problems.append(f"{ENV_DKIM_KEY}: cannot read {path} ({exc.strerror})")
        return {}
    from dkim.crypto import UnparsableKeyError, parse_pem_private_key

    try:
        parse_pem_private_key(key)
    except (UnparsableKeyError, ValueError, IndexError) as exc:
        problems.append(f"{ENV_DKIM_KEY}: {path} is not an RSA private key in PEM ({exc}); "
                        "make one with `openssl genrsa -out dkim.pem 2048`")
    return {"dkim_selector": str(selector), "dkim_domain": domain and str(domain), "dkim_key": key}


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
    values["connections"] = _number(settings, "MAILING_SMTP_CONNECTIONS", problems, kind=int, minimum=1)
    values["soft_bounce_limit"] = _number(settings, "MAILING_SOFT_BOUNCE_LIMIT", problems, kind=int, minimum=1)
    for key, name in (("MAILING_DOMAIN_RATE", "domain_rate"), ("MAILING_CLAIM_LEASE", "claim_lease")):
        values[name] = None if settings.get(key) is None else _number(settings, key, problems, strictly=True)
    values["verp"] = bool(settings.get("MAILING_VERP", DEFAULTS["MAILING_VERP"]))
    if values["verp"] and envelope is None:
        problems.append("MAILING_VERP needs MAILING_ENVELOPE_FROM (the bounce mailbox, e.g. bounces@example.com)")
    values.update(_dkim(settings, environ, problems))
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
