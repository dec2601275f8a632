"""Delivery settings: every problem named, credentials only from the environment."""

from __future__ import annotations

import pytest

from mailing.delivery.config import DeliveryConfigError, load_config
from mailing.delivery.ratelimit import RateLimiter, backoff_delays


def test_defaults_and_ports():
    config = load_config({}, environ={})
    assert (config.host, config.port, config.security, config.rate) == ("localhost", 587, "starttls", 10)
    assert load_config({"MAILING_SMTP_SECURITY": "tls"}, environ={}).port == 465
    config = load_config({"MAILING_SMTP_HOST": "smtp-relay.example.net"}, environ={"VIVIER_SMTP_USER": "apikey", "VIVIER_SMTP_PASSWORD": "s3cret"})
    assert config.user == "apikey" and "s3cret" not in config.describe()


def test_every_problem_is_listed_with_its_setting():
    with pytest.raises(DeliveryConfigError) as error:
        load_config({
            "MAILING_SMTP_SECURITY": "ssl", "MAILING_SMTP_PORT": "abc", "MAILING_RATE": 0,
            "MAILING_SMTP_PASSWORD": "in-git", "MAILING_ENVELOPE_FROM": "not an address",
        }, environ={"VIVIER_SMTP_USER": "only-user"})
    text = str(error.value)
    for expected in ("MAILING_SMTP_SECURITY", "MAILING_SMTP_PORT", "MAILING_RATE must be > 0",
                     "MAILING_SMTP_PASSWORD must not be in a settings file", "VIVIER_SMTP_PASSWORD",
                     "MAILING_ENVELOPE_FROM"):
        assert expected in text


def test_credentials_in_clear_to_a_remote_host_are_refused():
    env = {"VIVIER_SMTP_USER": "u", "VIVIER_SMTP_PASSWORD": "p"}
    with pytest.raises(DeliveryConfigError, match="in clear"):
        load_config({"MAILING_SMTP_HOST": "smtp.example.net", "MAILING_SMTP_SECURITY": "none"}, environ=env)
    assert load_config({"MAILING_SMTP_HOST": "127.0.0.1", "MAILING_SMTP_SECURITY": "none"}, environ=env).user == "u"


def test_rate_option_overrides_the_setting():
    assert load_config({"MAILING_RATE": 5}, rate=40, environ={}).rate == 40


def test_rate_limiter_spaces_messages_evenly_without_bursts():
    clock = {"t": 100.0}
    sleeps = []

    def sleep(seconds):
        sleeps.append(round(seconds, 6))
        clock["t"] += seconds

    limiter = RateLimiter(4, clock=lambda: clock["t"], sleep=sleep)
    for _ in range(5):
        limiter.wait()
    assert sleeps == [0.25, 0.25, 0.25, 0.25]
    clock["t"] += 10  # a long pause (a slow server): no burst to "catch up"
    limiter.wait()
    limiter.wait()
    assert sleeps[-1] == 0.25 and len(sleeps) == 5


def test_backoff_doubles_and_is_capped():
    assert backoff_delays(5, 2.0, 10.0) == [2.0, 4.0, 8.0, 10.0, 10.0]
    assert backoff_delays(0, 2.0, 10.0) == []


def test_dkim_needs_a_readable_rsa_key_from_the_environment(tmp_path):
    import subprocess

    settings = {"MAILING_DKIM_SELECTOR": "vivier2026"}
    with pytest.raises(DeliveryConfigError, match="set VIVIER_DKIM_KEY"):
        load_config(settings, environ={})
    with pytest.raises(DeliveryConfigError, match="cannot read"):
        load_config(settings, environ={"VIVIER_DKIM_KEY": str(tmp_path / "missing.pem")})
    certificate_request = tmp_path / "not-a-key.pem"
    certificate_request.write_text("-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n")
    with pytest.raises(DeliveryConfigError, match="openssl genrsa"):
        load_config(settings, environ={"VIVIER_DKIM_KEY": str(certificate_request)})
    key = tmp_path / "dkim.pem"
    subprocess.run(["openssl", "genrsa", "-out", str(key), "1024"], check=True, capture_output=True)
    config = load_config(settings, environ={"VIVIER_DKIM_KEY": str(key)})
    assert config.dkim_selector == "vivier2026" and b"PRIVATE KEY" in config.dkim_key


def test_verp_needs_an_envelope_sender():
    with pytest.raises(DeliveryConfigError, match="MAILING_VERP needs MAILING_ENVELOPE_FROM"):
        load_config({"MAILING_VERP": True}, environ={})
