"""Sign-up abuse on the real application (httpx on 127.0.0.1, a real SMTP server): tampering, spoofed
client addresses, +tags, overall limit; and malformed input answered 400/403, never 500."""

from __future__ import annotations

import ipaddress
import socket

import httpx
import lxml.html
import pytest
from click.testing import CliRunner

from mailing.community import signups
from mailing.webapp import create_app
from mailing.webapp.http import client_address
from mailing.webapp.serve import running
from tests.community.conftest import confirmation_link, local, store_of, token_of
from tests.community.test_signup import FORM, sign_up

VICTIM = {**FORM, "email": "camille.durand@example.com", "consent_events": ""}  # job alerts only


def confirm(base, message):
    return httpx.post(local(base, confirmation_link(message)), data={"action": "confirm"})


def test_a_second_submission_for_an_address_cannot_change_what_the_victims_link_confirms(served):
    base, settings, mail = served
    assert sign_up(base, VICTIM).status_code == 200
    attack = {**VICTIM, "first_name": "Pwned", "open_to_unlisted": "yes", "consent_newsletter": "yes", "consent_events": "yes",
              "skills": "Nothing"}
    assert sign_up(base, attack, headers={}).status_code == 200
    victims_mail, attackers_mail = mail.messages
    # The attacker's request shows what it holds, so a person opening its link sees it is not theirs.
    shown = lxml.html.fromstring(httpx.get(local(base, confirmation_link(attackers_mail))).content).text_content()
    assert "Pwned" in shown and "Nothing" in shown
    assert confirm(base, victims_mail).status_code == 200
    with store_of(settings) as store:
        member = store.find_by_email("camille.durand@example.com")
        assert member.first_name == "Camille" and member.stage == "sourced" and "spontaneous" not in member.tags
        assert set(member.consents) == {"job_alerts"} and member.skills == ["Python", "SQL", "dbt"]
        assert signups.proofs(store, member.id)[0]["ticked"] == ["consent_job_alerts"]
    assert confirm(base, attackers_mail).status_code == 410  # withdrawn: confirms nothing any more
    with store_of(settings) as store:
        assert store.find_by_email("camille.durand@example.com").first_name == "Camille"


def test_a_spoofed_forwarded_for_from_an_untrusted_client_counts_as_the_client_itself(served):
    base, settings, mail = served
    limit = settings["COMMUNITY_RATE_PER_CLIENT"]
    codes = [sign_up(base, email=f"visiteur{i}@example.net", headers={"X-Forwarded-For": f"198.51.100.{i}"}).status_code
             for i in range(limit + 5)]
    assert codes == [200] * limit + [429] * 5
    assert len(mail.messages) == limit


def test_a_trusted_proxy_forwards_real_client_addresses(community_settings, mailbox):
    community_settings["COMMUNITY_TRUSTED_PROXIES"] = ["127.0.0.0/8"]
    with running(create_app(community_settings)) as base:
        limit = community_settings["COMMUNITY_RATE_PER_CLIENT"]
        codes = [sign_up(base, email=f"visiteur{i}@example.net", headers={"X-Forwarded-For": f"198.51.100.{i}"}).status_code
                 for i in range(limit + 5)]
    assert codes == [200] * (limit + 5)  # different people behind one proxy are not one counter


def test_forwarded_for_is_read_from_the_right_skipping_trusted_hops():
    proxies = [ipaddress.ip_network("10.0.0.0/8")]
    headers = {"x-forwarded-for": "203.0.113.66, 198.51.100.7, 10.1.2.3"}  # the client wrote the first hop itself
    assert client_address("10.0.0.5", headers, proxies) == "198.51.100.7"
    assert client_address("192.0.2.9", headers, proxies) == "192.0.2.9"  # not a proxy: header ignored
    assert client_address("10.0.0.5", {"x-forwarded-for": "not-an-ip"}, proxies) == "10.0.0.5"
    assert client_address("10.0.0.5", {"x-real-ip": "198.51.100.8"}, proxies) == "198.51.100.8"
    assert client_address("10.0.0.5", {}, []) == "10.0.0.5"


def test_plus_tags_and_case_share_one_mailbox_limit(served):
    base, settings, mail = served
    codes = [sign_up(base, email=address).status_code for address in
             ("target@example.org", "target+1@example.org", "TARGET+2@Example.org", "target+3@example.org",
              "target+30@example.org")]
    assert codes == [200, 200, 200, 429, 429]
    assert len(mail.messages) == settings["COMMUNITY_RATE_PER_ADDRESS"] == 3


def test_an_overall_limit_caps_confirmation_emails(community_settings, mailbox):
    community_settings.update(COMMUNITY_TRUSTED_PROXIES=["127.0.0.1"], COMMUNITY_RATE_OVERALL=4)
    with running(create_app(community_settings)) as base:
        codes = [sign_up(base, email=f"p{i}@example.net", headers={"X-Forwarded-For": f"192.0.2.{i}"}).status_code
                 for i in range(6)]
    assert codes == [200, 200, 200, 200, 429, 429] and len(mailbox[0].messages) == 4


def test_a_bad_trusted_proxy_setting_is_named():
    from mailing.community.settings import CommunitySettingsError, apply_defaults, validate

    settings = apply_defaults({"PUBLIC_URL": "https://x.example", "COMMUNITY_TRUSTED_PROXIES": ["10.0.0.0/8", "proxy.local"]})
    with pytest.raises(CommunitySettingsError, match="COMMUNITY_TRUSTED_PROXIES: 'proxy.local' is not an IP address"):
        validate(settings)


BAD_TOKENS = ["abc.dé", "é.é", "ünïcode", "a.b.c", "%00", "x" * 3000]


def test_malformed_tokens_get_403_or_400_never_500(served):
    base, settings, mail = served
    for token in BAD_TOKENS:
        for path in ("/desabonnement", "/preferences", "/confirmation"):
            got = httpx.get(f"{base}{path}", params={"t": token})
            assert got.status_code in (400, 403), (path, token, got.status_code)
            assert "<h1>" in got.text
            posted = httpx.post(f"{base}{path}", params={"t": token}, data={"List-Unsubscribe": "One-Click"})
            assert posted.status_code in (400, 403), (path, token, posted.status_code)


def test_malformed_bodies_charsets_and_headers_get_400_never_500(served):
    base, settings, mail = served
    boundary = "b0undary"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"email\"\r\nContent-Type: text/plain; charset=x-no-such\r\n\r\n"
            f"a@example.org\r\n--{boundary}--\r\n").encode()
    multipart = {"Content-Type": f"multipart/form-data; boundary={boundary}"}
    for path in ("/inscription", "/desabonnement?t=abc.def"):
        got = httpx.post(f"{base}{path}", content=body, headers=multipart)
        assert got.status_code in (400, 403), (path, got.status_code)
    assert httpx.post(f"{base}/inscription", content=b"email=a", headers={"Content-Type": "multipart/form-data"}).status_code == 400
    assert httpx.post(f"{base}/inscription", content=b"\xff\xfe", headers={"Content-Type": "application/json"}).status_code == 415
    urlencoded = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}
    assert httpx.post(f"{base}/inscription", content=b"email=%ff%fe&first_name=\xe9", headers=urlencoded).status_code == 400
    raw = _raw(base, b"POST /inscription HTTP/1.1\r\nHost: x\r\nContent-Length: nope\r\n\r\n")
    assert raw.startswith(b"HTTP/1.0 400") or raw.startswith(b"HTTP/1.1 400")
    with store_of(settings) as store:
        assert signups.pending_count(store) == 0


def _raw(base: str, data: bytes, *, timeout: float = 60) -> bytes:
    host, port = base.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=timeout) as conn:
        conn.sendall(data)
        chunks = []
        while chunk := conn.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def test_the_built_in_server_drops_stalled_clients(community_settings, mailbox):
    with running(create_app(community_settings), read_timeout=0.5) as base:
        # Headers never finished: the server closes the connection instead of holding a thread.
        assert _raw(base, b"GET /inscription HTTP/1.1\r\nHost: x\r\n") == b""
        # A body shorter than announced: the request is refused, not left hanging.
        stalled = _raw(base, b"POST /inscription HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                             b"Content-Length: 500\r\n\r\nemail=a%40example.org")
        assert stalled.split(b"\r\n", 1)[0].endswith(b"400 Bad Request")
        assert httpx.get(f"{base}/healthz").status_code == 200  # still serving everyone else


def test_cli_unsubscribe_with_a_non_ascii_token_says_so_and_changes_nothing(tmp_path, monkeypatch):
    from talentpool.store import Store
    from tests.conftest import ROOT
    from vivier.cli import cli

    monkeypatch.setenv("VIVIER_POOL", str(tmp_path / "pool.sqlite3"))
    Store(tmp_path / "pool.sqlite3").close()  # the store exists: only the token is wrong
    result = CliRunner().invoke(cli, ["-s", str(ROOT / "pelicanconf.py"), "pool", "unsubscribe", "--token", "abc.dé"])
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit)  # a message, not a traceback
    assert "was not issued with this VIVIER_SECRET or was altered" in result.output and "nothing changed" in result.output


def test_a_real_token_still_works_after_the_hardening(served):
    base, settings, mail = served
    sign_up(base)
    link = local(base, confirmation_link(mail.messages[0]))
    assert httpx.get(link).status_code == 200 and token_of(link)


def test_a_store_made_before_migration_5_keeps_its_pending_sign_ups_and_accepts_several(tmp_path, monkeypatch):
    import datetime as dt

    from talentpool import store as store_module
    from talentpool.migrations import MIGRATIONS
    from talentpool.store import Store

    path = tmp_path / "pool.sqlite3"
    monkeypatch.setattr(store_module, "MIGRATIONS", MIGRATIONS[:4])
    with Store(path) as old:
        old.connection.execute("INSERT INTO community_signups VALUES ('s-old', 'ana@example.org', '{}', '2026-11', '', :at, :until)",
                               {"at": "2026-11-20T10:00:00+01:00", "until": "2026-11-23T10:00:00+01:00"})
        assert old.schema_version == 4
    monkeypatch.setattr(store_module, "MIGRATIONS", MIGRATIONS)
    with Store(path) as upgraded:
        assert upgraded.schema_version == len(MIGRATIONS)
        conn = upgraded.connection
        assert [tuple(row) for row in conn.execute("SELECT id FROM community_signups")] == [("s-old",)]
        conn.execute("INSERT INTO community_signups VALUES ('s-new', 'ana@example.org', '{}', '2026-11', '', :at, :until)",
                     {"at": dt.datetime(2026, 11, 21).isoformat(), "until": dt.datetime(2026, 11, 24).isoformat()})
        assert conn.execute("SELECT COUNT(*) FROM community_signups WHERE email_key = 'ana@example.org'").fetchone()[0] == 2
