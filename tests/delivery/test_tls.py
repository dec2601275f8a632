"""STARTTLS and credentials against a real aiosmtpd server with a throw-away certificate."""

from __future__ import annotations

import ssl
import subprocess

import pytest
from aiosmtpd.smtp import AuthResult

from mailing.delivery.config import load_config
from mailing.delivery.smtp import SmtpTransport, TransportError
from tests.delivery.messages import address, message
from tests.delivery.smtpserver import smtp_server


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tls")
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(folder / "key.pem"), "-out", str(folder / "cert.pem")],
        check=True, capture_output=True,
    )
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server.load_cert_chain(folder / "cert.pem", folder / "key.pem")
    client = ssl.create_default_context(cafile=str(folder / "cert.pem"))
    return server, client


def authenticator(server, session, envelope, mechanism, auth_data):
    ok = auth_data.login == b"carrieres@cardamome.example" and auth_data.password == b"mot-de-passe-de-test"
    return AuthResult(success=ok, handled=False)  # handled=False: aiosmtpd answers 535 itself


def config(port, password):
    env = {"VIVIER_SMTP_USER": "carrieres@cardamome.example", "VIVIER_SMTP_PASSWORD": password}
    return load_config({"MAILING_SMTP_HOST": "127.0.0.1", "MAILING_SMTP_PORT": port, "MAILING_SMTP_SECURITY": "starttls",
                        "MAILING_SMTP_TIMEOUT": 5}, environ=env)


def test_starttls_then_login_then_send(certificate):
    server_tls, client_tls = certificate
    with smtp_server(tls_context=server_tls, authenticator=authenticator) as (recorder, port):
        with SmtpTransport(config(port, "mot-de-passe-de-test"), ssl_context=client_tls) as transport:
            item = message("plan-tls", 1)
            result = transport.send("carrieres@cardamome.example", item.recipient, item.data)
    assert result.accepted
    assert recorder.recipients() == {address(1): 1}


def test_wrong_password_stops_with_a_clear_error(certificate):
    server_tls, client_tls = certificate
    with smtp_server(tls_context=server_tls, authenticator=authenticator) as (recorder, port):
        with SmtpTransport(config(port, "faux"), ssl_context=client_tls) as transport:
            item = message("plan-tls", 1)
            with pytest.raises(TransportError, match="refused the credentials.*VIVIER_SMTP_PASSWORD"):
                transport.send("carrieres@cardamome.example", item.recipient, item.data)
    assert recorder.messages == []


def test_untrusted_certificate_is_refused(certificate):
    server_tls, _ = certificate
    with smtp_server(tls_context=server_tls, authenticator=authenticator) as (recorder, port):
        with SmtpTransport(config(port, "mot-de-passe-de-test")) as transport:  # system CAs only
            item = message("plan-tls", 1)
            with pytest.raises(TransportError, match="TLS with 127.0.0.1"):
                transport.send("carrieres@cardamome.example", item.recipient, item.data)
    assert recorder.messages == []


def test_server_without_starttls_is_refused_before_any_password_is_sent():
    with smtp_server() as (recorder, port):
        with SmtpTransport(config(port, "mot-de-passe-de-test")) as transport:
            item = message("plan-tls", 1)
            with pytest.raises(TransportError, match="does not offer STARTTLS"):
                transport.send("carrieres@cardamome.example", item.recipient, item.data)


def test_a_relay_that_offers_no_login_is_a_session_error_not_a_later_one():
    # Security none with credentials, against a relay without AUTH: no later run changes that (it used to
    # be reported as "closed the connection", temporary: `vivier daily` exited 75, every day, sending nothing).
    env = {"VIVIER_SMTP_USER": "carrieres@cardamome.example", "VIVIER_SMTP_PASSWORD": "mot-de-passe-de-test"}
    with smtp_server() as (recorder, port):
        cfg = load_config({"MAILING_SMTP_HOST": "127.0.0.1", "MAILING_SMTP_PORT": port, "MAILING_SMTP_SECURITY": "none",
                           "MAILING_SMTP_TIMEOUT": 5}, environ=env)
        with SmtpTransport(cfg) as transport:
            item = message("plan-tls", 1)
            with pytest.raises(TransportError, match="does not offer to log in.*starttls") as refused:
                transport.send("carrieres@cardamome.example", item.recipient, item.data)
    assert refused.value.temporary is False and recorder.messages == []
