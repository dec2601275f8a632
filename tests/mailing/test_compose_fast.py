"""The bulk composer (`mailing.compose.Composer`) writes the very bytes of the straightforward one.

`Reference` below is the composer as it was before its fast path (pieces
assembled by `personalise.Assembler` over quoted-printable encoding, every
value encoded for every message, tokens signed with a fresh HMAC): it is the
specification. Every message is compared byte for byte, then read back with
the `email` package: members with non-ASCII, hostile, long or placeholder-like
names, values forcing soft line breaks, `=` and `.` at line starts, CRLF in
the compiled parts, members with and without matched jobs, links that need
HTML escaping, and signers whose tokens need quoting.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import email
import email.policy
import hashlib
import hmac
import html
import random
import re
from types import SimpleNamespace
from urllib.parse import quote

import pytest

from mailing import compose
from mailing.compose import AddressError, Composer, MailConfig, message_id
from mailing.matching import JobFacts, Match, MemberProfile, top_matches
from mailing.personalise import Assembler, clean_name, member_values
from mailing.pipeline import CompiledVariant, Region, Rendered
from mailing.tokens import Signer

from tests.mailing.fixtures import PARIS, compiled_sample, member, settings

WHEN = dt.datetime(2026, 12, 1, 9, 30, tzinfo=PARIS)
SECRET = b"test-secret"
PLAN = "2026-12-test"


# --- The reference: the composer before its fast path --------------------------------------


def reference_qp(text: str) -> bytes:
    if not text:
        return b""
    data = text.replace("\r\n", "\n").replace("\n", "\r\n").encode("utf-8")
    encoded = binascii.b2a_qp(data, quotetabs=False, istext=True, header=False)
    encoded = encoded.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
    start = encoded.rfind(b"\n") + 1
    if len(encoded) - start > 75:
        cut = start + 72
        while encoded[cut - 2:cut].find(b"=") >= 0:
            cut -= 1
        encoded = encoded[:cut] + b"=\r\n" + encoded[cut:]
    return encoded + b"=\r\n"


def reference_words(text: str, used: int = 0) -> str:
    text = clean_name(text) if len(text) < 200 else " ".join(text.split())
    if text.isascii() and len(text) + used <= 76 and "=?" not in text:
        return text
    words, chunk = [], ""
    for char in text:
        candidate = chunk + char
        if len(base64.b64encode(candidate.encode("utf-8"))) > 45:
            words.append(chunk)
            candidate = char
        chunk = candidate
    if chunk:
        words.append(chunk)
    return "\r\n ".join("=?utf-8?b?" + base64.b64encode(w.encode("utf-8")).decode("ascii") + "?=" for w in words)


def reference_address(name: str, address: str) -> str:
    address = address.strip()
    if not compose._ADDRESS.fullmatch(address) or len(address) > 254:
        raise AddressError(address)
    name = clean_name(name)
    if not name:
        return address
    if name.isascii() and compose._ATOM_SAFE.fullmatch(name):
        return f"{name} <{address}>" if re.fullmatch(r"[A-Za-z0-9 !#$%&'*+/=?^_`{|}~-]*", name) else f'"{name}" <{address}>'
    if name.isascii():
        quoted = name.replace("\\", "\\\\").replace('"', '\\"')
        return f'"{quoted}" <{address}>'
    encoded = reference_words(name)
    last = encoded.rsplit("\n", 1)[-1]
    return f"{encoded}\r\n <{address}>" if len(last) + len(address) > 66 else f"{encoded} <{address}>"


def reference_token(secret: bytes, purpose: str, member_id: str, campaign: str) -> str:
    key = hashlib.sha256(b"vivier-tokens:" + secret).digest()
    payload = "\x1f".join(("v1", purpose, member_id, campaign)).encode("utf-8")
    b64 = lambda data: base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")  # noqa: E731
    return f"{b64(payload)}.{b64(hmac.new(key, payload, hashlib.sha256).digest()[:18])}"


class Reference:
    """The straightforward composer: every value encoded for every message, pieces joined as they come."""

    def __init__(self, compiled, config, signer, plan_id, secret=None):
        self.compiled, self.config, self.signer, self.plan_id, self.secret = compiled, config, signer, plan_id, secret
        self.html = Assembler(compiled.html, reference_qp)
        self.text = Assembler(compiled.text, reference_qp)
        seed = hashlib.sha256(f"{plan_id}|{compiled.key}".encode()).hexdigest()[:24]
        self.boundary = f"=_vivier_{seed}"
        fixed = [
            f"From: {reference_address(config.from_name, config.from_address)}",
            *([f"Reply-To: {config.reply_to}"] if config.reply_to else []),
            f"Subject: {reference_words(compiled.subject, used=9)}",
            "MIME-Version: 1.0",
            f"List-Id: {reference_words(config.list_name)} <{config.list_id}>",
            "List-Unsubscribe-Post: List-Unsubscribe=One-Click",
            f"Content-Language: {compiled.lang}",
            f'Content-Type: multipart/alternative; boundary="{self.boundary}"',
        ]
        self.fixed = ("\r\n".join(fixed) + "\r\n").encode("ascii")

    def token(self, purpose, member_id):
        if self.secret is None:
            return self.signer.make(purpose, member_id, self.compiled.slug)
        return reference_token(self.secret, purpose, member_id, self.compiled.slug)

    def compose(self, member, matches, when):
        member_id = str(member.id)
        to = reference_address(f"{getattr(member, 'first_name', '')} {getattr(member, 'last_name', '')}", member.email)
        token, prefs = self.token("unsubscribe", member_id), self.token("preferences", member_id)
        unsubscribe = f"{self.config.unsubscribe_url}?t={token}"
        preferences = f"{self.config.preferences_url}?t={prefs}"
        values = member_values(self.compiled, member, matches, unsubscribe, preferences)
        digest = hashlib.sha256(f"{self.plan_id}\x1f{member_id}".encode("utf-8")).hexdigest()[:32]
        mid = f"<{digest}.vivier@{self.config.domain}>"
        mailto = f"mailto:{self.config.unsubscribe_mailto}?subject={quote('unsubscribe ' + token)}"
        head = (f"To: {to}\r\nMessage-ID: {mid}\r\n"
                f"List-Unsubscribe: <{unsubscribe}>,\r\n <{mailto}>\r\n").encode("utf-8")
        boundary = self.boundary
        out = [self.fixed, f"Date: {email.utils.format_datetime(when)}\r\n".encode("ascii"), head,
               f"\r\n--{boundary}\r\nContent-Type: text/plain; charset=utf-8\r\n"
               "Content-Transfer-Encoding: quoted-printable\r\n\r\n".encode("ascii")]
        raw = values.values
        self.text.assemble({k: reference_qp(v) for k, v in raw.items()},
                           [(i, reference_qp(why)) for i, why in values.matches], out)
        out.append(f"\r\n--{boundary}\r\nContent-Type: text/html; charset=utf-8\r\n"
                   "Content-Transfer-Encoding: quoted-printable\r\n\r\n".encode("ascii"))
        self.html.assemble({k: reference_qp(html.escape(v, quote=True)) for k, v in raw.items()},
                           [(i, reference_qp(html.escape(why, quote=True))) for i, why in values.matches], out)
        out.append(f"\r\n--{boundary}--\r\n".encode("ascii"))
        return mid, b"".join(out)


# --- Inputs --------------------------------------------------------------------------------

NAMES = [
    ("Camille", "Durand"), ("Zoé", "Lefèvre-Château"), ("Ægir", "Þórsson"), ("明", "王"), ("😀 Émilie", "Ng 🚀"),
    ("<script>alert(1)</script> & \"Co\"", "'O'Brien' <b>"), ("=3D", "=="), (".", "."), (". dot", ".end"),
    ("%%VIVIER:unsubscribe_url%%", "%%VIVIER:region.matched%%"), ("%%VIVIER:greeting%%", "%%VIVIER:reason%%"),
    ("Jean\r\nBcc: x@example.com", "Line\nbreak"), ("Tab\there", "  spaces  "), ("", ""), ("", "Seul"),
    ("x" * 300, "y" * 300), ("é" * 100, "€" * 60), ("a=" * 45, ".=" * 45), ("Ève-Marie", "de La Rochefoucauld-Montmorency-Laval"),
    ('Dupont, "Jo"', "back\\slash"), ("\u2028sep\u2029", "nul\x00byte"), ("=?utf-8?b?QQ==?=", "=?iso?"),
    ("Ana " * 30, "trailing "), ("ß" * 33, "ĳ" * 34), ("Ωmega", ""),
]


def members(count=None):
    people = []
    for i, (first, last) in enumerate(NAMES[:count]):
        people.append(SimpleNamespace(id=f"m-{i}" if i % 5 else i, email=f"person.{i}@example.com",
                                      first_name=first, last_name=last))
    people.append(SimpleNamespace(id="m-é-ünïcode", email="uni@example.com", first_name="Zoé", last_name="Ünal"))
    people.append(SimpleNamespace(id="m-" + "9" * 120, email="long@example.com", first_name="Long", last_name="Id"))
    people.append(SimpleNamespace(id="m-attrs", email=" spaced@example.com "))  # no name attributes at all
    return people


def config(**changes) -> MailConfig:
    base = MailConfig.from_settings(settings())
    return MailConfig(**{**base.__dict__, **changes})


class OddSigner:
    """A signer whose tokens need HTML escaping and URL quoting (the fast path must notice)."""

    def make(self, purpose, member_id, campaign=""):
        return f"{purpose}&{member_id}<{campaign}> \"q\" é/%"


class HalfOddSigner(OddSigner):
    """Plain unsubscribe tokens, preferences tokens that need escaping."""

    def make(self, purpose, member_id, campaign=""):
        if purpose == "unsubscribe":
            return Signer(SECRET).make(purpose, member_id, campaign)
        return super().make(purpose, member_id, campaign)


def messages(compiled, cfg, people, matches_for, *, signer=None, secret=SECRET):
    """(fast, reference) messages for each member; AddressError must be raised by both alike."""
    signer = signer or Signer(secret)
    fast = Composer(compiled, cfg, signer, PLAN)
    ref = Reference(compiled, cfg, signer, PLAN, secret=None if isinstance(signer, OddSigner) else secret)
    pairs = []
    for person in people:
        matches = matches_for(person)
        try:
            expected = ref.compose(person, matches, WHEN)
        except AddressError:
            with pytest.raises(AddressError):
                fast.compose(person, matches, WHEN)
            continue
        pairs.append((person, fast.compose(person, matches, WHEN), expected))
    assert pairs
    return pairs


def parsed(raw: bytes):
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    headers = [(k, str(v)) for k, v in msg.items()]
    return msg, headers, [(p.get_content_type(), p.get_content()) for p in msg.iter_parts()]


def assert_same(pairs):
    for person, (mid, raw), (ref_mid, ref_raw) in pairs:
        assert mid == ref_mid, person
        assert raw == ref_raw, f"bytes differ for {person!r}"
        msg, headers, parts = parsed(raw)
        assert (headers, parts) == parsed(ref_raw)[1:], person
        assert msg["Message-ID"] == mid
        assert msg.get_content_type() == "multipart/alternative"
        assert [p[0] for p in parts] == ["text/plain", "text/html"]
        body = raw.split(b"\r\n\r\n", 1)[1]
        assert max(len(line) for line in body.split(b"\r\n")) <= 76
        assert b"\n" not in raw.replace(b"\r\n", b"")


# --- The real mail theme -------------------------------------------------------------------


@pytest.mark.parametrize("lang,variant", [("fr", "a"), ("en", "b")])
def test_real_theme_messages_are_the_reference_bytes(lang, variant):
    compiled, _ = compiled_sample(variant=variant, lang=lang)
    skills = [["python", "sql"], ["kubernetes"], ["cobol"], ["python", "statistiques", "pytorch"]]

    def matches_for(person):
        chosen = skills[len(str(person.id)) % 4]
        profile = MemberProfile(skills=set(chosen), departments=set() if chosen == ["cobol"] else {"data"}, city="lyon")
        return list(top_matches(compiled.candidates, profile, compiled.matches))

    pairs = messages(compiled, config(), members(), matches_for)
    assert_same(pairs)
    assert {bool(matches_for(p)) for p, _, _ in pairs} == {True, False}  # with and without matched jobs
    # What a reader sees: the greeting as typed in the text part, escaped in the HTML part.
    for person, (_, raw), _ in pairs:
        msg, _, parts = parsed(raw)
        first = clean_name(getattr(person, "first_name", ""))
        if first:
            assert first in parts[0][1]
            assert html.escape(first, quote=True) in parts[1][1]
        assert msg["Message-ID"] == message_id(PLAN, str(person.id), config().domain)


def test_messages_match_when_the_theme_is_compiled_with_another_campaign():
    compiled, _ = compiled_sample(subject="Sujet très long " * 8 + "= . fin", preheader="=. " * 40)
    pairs = messages(compiled, config(reply_to="rh@cardamome.example", list_name="Cardamome Conseil — Carrières " * 3),
                     members(8), lambda person: [])
    assert_same(pairs)


# --- A synthetic variant: every shape the assembler knows ------------------------------------


def synthetic(candidates=6) -> CompiledVariant:
    long_line = "word " * 30 + "=" + "x" * 80
    text = Rendered(
        ["Start\n.\n=starts with equals\n" + long_line + "\ntrailing space \n\ttab\r\nCRLF line\n", "greeting",
         "\n", "region.matched", "", "region.nomatch", "\n. dot after a value\n", "first_name", " =tail= ",
         "region.other", "", "region.missing", "\n" + "é" * 50 + "\n", "unsubscribe_url", "\n", "preferences_url", ""],
        {
            "matched": Region(["Jobs for ", "first_name", ":\n"],
                              [[f"* Job {i} {'ü' * (i * 7)}\n  ", "reason", f"\n  https://x.example/j/{i}?a=1&b=2\n"]
                               for i in range(candidates - 1)]
                              + [["* ", "reason", " — for ", "first_name", " ", "greeting", "\n"]],
                              ["--\n", "unsubscribe_url", "\n"]),
            "nomatch": Region(["Nothing for ", "greeting", "\n"], [], ["all jobs\n"]),
            "other": Region(["other region, no item shown\n"], [["never shown\n"]], ["/other\n"]),
        },
    )
    html_part = Rendered(
        ['<html><body><p style="margin:0">', "greeting", "</p>\n", "region.matched", "", "region.nomatch",
         "<p>" + "&amp; " * 40 + "</p>\n.\n<p>", "first_name", "</p>", "region.other",
         '<a href="', "unsubscribe_url", '">unsubscribe</a> <a href="', "preferences_url", '">prefs</a></body></html>'],
        {
            "matched": Region(["<ul>\n"],
                              [[f'<li><a href="https://x.example/j/{i}?a=1&amp;b=2">Job {i}</a> ', "reason", "</li>\n"]
                               for i in range(candidates - 1)]
                              + [["<li>", "reason", " ", "first_name", "</li>"]],
                              ["</ul>"]),
            "nomatch": Region(["<p>", "first_name", " nothing</p>"], [], []),
            "other": Region(["<div>"], [], ["</div>\n"]),
        },
    )
    return CompiledVariant(
        slug="2026-12-synthetic", segment="seg", lang="fr", variant="a", subject="Synthèse = test . " * 5,
        preheader="", html=html_part, text=text,
        candidates=[JobFacts(reference=f"J-{i}", title=f"Job {i}") for i in range(candidates)],
        strings={"greeting": "Bonjour,", "greeting_named": "Bonjour {name}, = voici une salutation assez longue "
                 "pour dépasser la limite de soixante-seize caractères.", "reason_skills": "correspond à : {skills}",
                 "reason_department": "métier", "reason_city": "{city}", "reason_remote": "télétravail"},
        archive_url="https://x.example/archive", matches=3, if_nothing="general",
    )


SYNTHETIC_MATCHES = [
    [],
    [Match("J-0", 5, must=("Python", "SQL"), location="Lyon")],
    [Match("J-5", 3, must=("=Équations=", "a " * 40), department=True, location="remote"),
     Match("UNKNOWN", 9, must=("skipped",)), Match("J-2", 1, nice=("<b>&</b>",))],
    [Match("J-1", 2, department=True), Match("J-3", 2, must=("x" * 120,), location="Saint-Étienne-du-Rouvray")],
    [Match("UNKNOWN", 9, must=("only unknown jobs: the no-match region",))],
    [Match(f"J-{i}", 1, must=("é" * (20 + i), ".", "="), location=". " * 30) for i in (4, 0, 5)],
]


def test_synthetic_variant_every_shape_matches_the_reference():
    compiled = synthetic()
    people = members()
    pairs = messages(compiled, config(), people, lambda p: SYNTHETIC_MATCHES[people.index(p) % len(SYNTHETIC_MATCHES)])
    assert_same(pairs)
    texts = {parsed(raw)[2][0][1] for _, (_, raw), _ in pairs}
    assert any("Nothing for" in t for t in texts) and any("Jobs for" in t for t in texts)
    assert all("never shown" not in t and "other region" in t for t in texts)


def test_links_that_need_html_escaping_and_tokens_that_need_quoting():
    escaped = config(unsubscribe_url="https://x.example/u?list=news&lang=fr",
                     preferences_url="https://x.example/p?a=<b>&c='d'")
    people = members(10)
    for cfg, signer in ((escaped, None), (config(), OddSigner()), (escaped, OddSigner()), (config(), HalfOddSigner())):
        pairs = messages(synthetic(), cfg, people, lambda p: SYNTHETIC_MATCHES[people.index(p) % 3], signer=signer)
        assert_same(pairs)
        html_part = parsed(pairs[0][1][1])[2][1][1]
        assert "&amp;" in html_part and "<b>" not in html_part.split("</ul>")[-1]


def test_values_are_encoded_alike_when_the_memo_is_emptied_between_members(monkeypatch):
    monkeypatch.setattr(compose, "_MEMO_LIMIT", 2)
    compose._TEXT_MEMO.clear(), compose._HTML_MEMO.clear()
    people = members()
    pairs = messages(synthetic(), config(), people, lambda p: SYNTHETIC_MATCHES[people.index(p) % len(SYNTHETIC_MATCHES)])
    assert_same(pairs)
    assert len(compose._TEXT_MEMO) <= 2 and len(compose._HTML_MEMO) <= 2


def test_the_same_value_is_escaped_in_html_and_not_in_text():
    # A value first seen in the text part must not lend its encoding to the HTML part (two memos).
    person = SimpleNamespace(id="m-x", email="x@example.com", first_name="<i>&amp;</i>", last_name="")
    (_, (_, raw), _), = messages(synthetic(), config(), [person], lambda p: SYNTHETIC_MATCHES[2])[:1]
    text, html_part = (content for _, content in parsed(raw)[2])
    assert "Bonjour <i>&amp;</i>," in text and "Bonjour &lt;i&gt;&amp;amp;&lt;/i&gt;," in html_part
    assert "&lt;b&gt;&amp;&lt;/b&gt;" in html_part and "<b>&</b>" in text


def test_a_divergent_fast_path_is_noticed(monkeypatch):
    """The comparison is sharp: HTML values encoded like text values give other bytes."""
    people = members(8)
    monkeypatch.setattr(compose, "_memo_qp_html", compose._memo_qp)
    with pytest.raises(AssertionError, match="bytes differ"):
        assert_same(messages(synthetic(), config(), people, lambda p: SYNTHETIC_MATCHES[2]))


def outcome(composer, person, matches):
    try:
        return composer.compose(person, matches, WHEN)
    except KeyError as exc:
        return ("KeyError", exc.args)


@pytest.mark.parametrize("where", ["body", "matched prefix", "one item", "nomatch prefix"])
def test_a_placeholder_no_member_brings_fails_where_the_reference_fails(where):
    """`%%VIVIER:job.title%%` left in a part: KeyError for exactly the messages that reach it."""
    compiled = synthetic()
    if where == "body":
        compiled.text.body[1] = "job.title"
    elif where == "matched prefix":
        compiled.html.regions["matched"].prefix[1:1] = ["job.title", ""]
    elif where == "one item":
        compiled.text.regions["matched"].items[2][1:1] = ["job.title", ""]
    else:
        compiled.html.regions["nomatch"].prefix[1] = "job.title"
    signer = Signer(SECRET)
    fast, ref = Composer(compiled, config(), signer, PLAN), Reference(compiled, config(), signer, PLAN, secret=SECRET)
    results = set()
    for person in members(6):
        for matches in SYNTHETIC_MATCHES:
            expected = outcome(ref, person, matches)
            assert outcome(fast, person, matches) == expected
            results.add(expected[0] == "KeyError")
    assert results == ({True} if where == "body" else {True, False})
    assert compiled.text.regions["matched"].items[2][0].startswith("* Job 2")  # the compiled variant is untouched


# --- Quoted-printable pieces and encoded words ---------------------------------------------


def test_qp_equals_the_reference_on_awkward_text():
    alphabet = ["a", "Z", " ", "\t", "=", ".", "é", "€", "𝄞", "<", "&", "\r", "\n", "\r\n", "%%VIVIER:greeting%%", "_", "?"]
    rnd = random.Random(11)
    cases = ["", ".", "=", " ", "\t", "a ", "a\t", ". ", "x" * 75, "x" * 76, "x" * 77, "=" * 26, "é" * 40,
             "x" * 74 + "=", "x" * 73 + "é", "line\r\n.\r\nend", "cr\ronly", "\n\n"]
    cases += ["".join(rnd.choice(alphabet) for _ in range(rnd.randint(1, 300))) for _ in range(3000)]
    cases += ["".join(rnd.choice(alphabet[:12]) for _ in range(rnd.randint(60, 160))) for _ in range(3000)]
    for text in cases:
        assert compose.qp(text) == reference_qp(text), text
        if text and "\r" not in text:
            decoded = binascii.a2b_qp(compose.qp(text)).decode("utf-8")
            assert decoded == text.replace("\r\n", "\n").replace("\n", "\r\n")


def test_encoded_words_equal_the_reference():
    rnd = random.Random(5)
    alphabet = "aZ é€𝄞ß中=?_.\"<"
    for _ in range(3000):
        text = "".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 150)))
        for used in (0, 9):
            assert compose.encode_words(text, used) == reference_words(text, used), text
    for first, last in NAMES:
        assert compose.format_address(f"{first} {last}", "a@example.com") == reference_address(f"{first} {last}", "a@example.com")
