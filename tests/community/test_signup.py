"""Joining the talent community through a real HTTP client: sign-up, double opt-in, honeypot, rate limits."""

from __future__ import annotations

import datetime as dt
import json
from zoneinfo import ZoneInfo

import httpx
import lxml.html

from mailing.community import signups
from mailing.community.tokens import ConfirmSigner
from mailing.tokens import secret_from_env
from talentpool import privacy
from tests.community.conftest import confirmation_link, local, store_of, token_of
from tests.talentpool.conftest import every_row

TODAY = dt.date(2026, 11, 22)
FORM = {
    "email": "Camille.Durand@example.com", "first_name": "Camille", "language": "fr",
    "departments": ["data", "cloud"], "locations": ["Lyon"], "remote": "hybrid", "skills": "Python, SQL, dbt",
    "consent_job_alerts": "yes", "consent_events": "yes", "rhythm": "weekly", "form_version": "2026-11",
    "page_lang": "fr", "website": "",
}
CLIENT = {"X-Forwarded-For": "203.0.113.7"}


def sign_up(base, data=None, headers=CLIENT, **changes):
    return httpx.post(f"{base}/inscription", data={**(data or FORM), **changes}, headers=headers)


def test_sign_up_stores_a_pending_request_and_sends_a_confirmation_but_no_consent_yet(served):
    base, settings, mail = served
    response = sign_up(base)
    assert response.status_code == 200
    page = lxml.html.fromstring(response.content)
    assert page.xpath("string(//h1)") == "Vérifiez votre boîte de réception"
    with store_of(settings) as store:
        assert store.find_by_email("camille.durand@example.com") is None  # no member before confirmation
        assert signups.pending_count(store) == 1
    assert [rcpts for _, rcpts in mail.envelopes] == [["Camille.Durand@example.com"]]
    message = mail.messages[0]
    assert message["Subject"] == "Confirmez votre inscription à la communauté de talents"
    assert message.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in message.iter_parts()] == ["text/plain", "text/html"]
    assert "List-Unsubscribe" not in message  # transactional: the person is on no list yet
    assert "Bonjour Camille," in message.get_body(("plain",)).get_content()
    assert confirmation_link(message).startswith("https://api.carrieres.cardamome.example/confirmation?t=")


def test_confirmation_page_asks_and_the_button_records_member_consents_and_proof(served):
    base, settings, mail = served
    sign_up(base)
    link = local(base, confirmation_link(mail.messages[0]))
    shown = httpx.get(link)
    assert shown.status_code == 200
    page = lxml.html.fromstring(shown.content)
    assert len(page.xpath("//h1")) == 1 and "Camille.Durand@example.com" in page.text_content()
    with store_of(settings) as store:
        assert store.find_by_email("camille.durand@example.com") is None  # opening the link confirms nothing
    form = page.xpath("//form[.//input[@value='confirm']]")[0]
    done = httpx.post(httpx.URL(base).join(form.get("action")), data={"action": "confirm"})
    assert done.status_code == 200
    assert lxml.html.fromstring(done.content).xpath("string(//h1)") == "Bienvenue dans la communauté !"
    with store_of(settings) as store:
        member = store.find_by_email("camille.durand@example.com")
        assert member.consents == {"job_alerts": TODAY, "events": TODAY}
        assert member.departments == ["data", "cloud"] and member.skills == ["Python", "SQL", "dbt"]
        assert member.source == "career_site" and "community" in member.tags and member.city == "Lyon"
        assert member.last_contact == TODAY
        proof = signups.proofs(store, member.id)
        assert len(proof) == 1 and proof[0]["form_version"] == "2026-11" and proof[0]["source"] == "signup"
        assert proof[0]["ticked"] == ["consent_events", "consent_job_alerts"]
        assert proof[0]["ip_hash"] and "203.0.113.7" not in json.dumps(store.rows_about(member.id))
        assert dt.datetime.fromisoformat(proof[0]["confirmed"]).tzinfo is not None
        prefs = dict(store.connection.execute("SELECT key, value FROM preferences WHERE member_id = :id", {"id": member.id}).fetchall())
        assert prefs["alert_rhythm"] == "weekly" and prefs["remote"] == "hybrid" and json.loads(prefs["locations"]) == ["Lyon"]
        assert signups.pending_count(store) == 0
    again = httpx.post(link, data={"action": "confirm"})
    assert again.status_code == 410  # a link works once


def test_forged_tampered_and_expired_links_are_refused(served):
    base, settings, mail = served
    sign_up(base)
    link = local(base, confirmation_link(mail.messages[0]))
    token = token_of(link)
    body, signature = token.split(".")
    other = ConfirmSigner(b"someone else's secret").make("s-whatever", dt.datetime(2030, 1, 1, tzinfo=ZoneInfo("UTC")))
    for bad in (token[:-2] + ("AA" if not token.endswith("AA") else "BB"), other, body + "." + other.split(".")[1], "nonsense"):
        response = httpx.post(f"{base}/confirmation", params={"t": bad}, data={"action": "confirm"})
        assert response.status_code == 403, bad
        assert "Lien non valide" in response.text
    with store_of(settings) as store:
        pending_id = store.connection.scalar("SELECT id FROM community_signups")
    signer = ConfirmSigner(secret_from_env())
    expired = signer.make(pending_id, dt.datetime(2026, 11, 20, tzinfo=ZoneInfo("Europe/Paris")))
    response = httpx.post(f"{base}/confirmation", params={"t": expired}, data={"action": "confirm"})
    assert response.status_code == 410 and "Lien expiré" in response.text
    assert httpx.get(f"{base}/confirmation").status_code == 400
    with store_of(settings) as store:
        assert store.find_by_email("camille.durand@example.com") is None


def test_resubmitting_makes_a_request_of_its_own_and_one_confirmation_withdraws_the_others(served):
    base, settings, mail = served
    assert sign_up(base).status_code == 200
    assert sign_up(base, email="  camille.durand@EXAMPLE.com ", skills="Python, Spark").status_code == 200
    with store_of(settings) as store:
        assert signups.pending_count(store) == 2
    first, second = (local(base, confirmation_link(m)) for m in mail.messages)
    assert httpx.post(second, data={"action": "confirm"}).status_code == 200
    with store_of(settings) as store:
        assert store.find_by_email("camille.durand@example.com").skills == ["Python", "Spark"]  # its own data
        assert signups.pending_count(store) == 0
    assert httpx.post(first, data={"action": "confirm"}).status_code == 410  # withdrawn by the confirmation
    assert sign_up(base).status_code == 200  # later, once more: updates the same member
    assert httpx.post(local(base, confirmation_link(mail.messages[2])), data={"action": "confirm"}).status_code == 200
    with store_of(settings) as store:
        found = [m for m in store.iter_members() if m.email_key == "camille.durand@example.com"]
        assert len(found) == 1 and found[0].skills == ["Python", "SQL", "dbt"]
        assert len(signups.proofs(store, found[0].id)) == 2


def test_honeypot_answers_like_a_success_but_stores_and_sends_nothing(served):
    base, settings, mail = served
    response = sign_up(base, website="https://spam.example")
    assert response.status_code == 200 and "Vérifiez votre boîte" in response.text
    assert mail.messages == []
    with store_of(settings) as store:
        assert signups.pending_count(store) == 0


def test_rate_limits_per_address_and_per_client(community_settings, mailbox):
    from mailing.webapp import create_app
    from mailing.webapp.serve import running

    community_settings["COMMUNITY_TRUSTED_PROXIES"] = ["127.0.0.1"]  # the test plays the reverse proxy
    with running(create_app(community_settings)) as base:
        _rate_limits(base, community_settings, mailbox[0])


def _rate_limits(base, settings, mail):
    codes = [sign_up(base).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    assert "Trop de tentatives" in sign_up(base).text
    assert len(mail.messages) == 3
    # one client trying many addresses
    codes = [sign_up(base, email=f"visiteur{i}@example.net", headers={"X-Forwarded-For": "198.51.100.9"}).status_code
             for i in range(settings["COMMUNITY_RATE_PER_CLIENT"] + 1)]
    assert codes.count(200) == settings["COMMUNITY_RATE_PER_CLIENT"] and codes[-1] == 429
    with store_of(settings) as store:
        keys = [row[0] for row in store.connection.execute("SELECT key FROM community_attempts")]
    assert not any("198.51" in key or "@" in key for key in keys)  # counters keyed by salted hashes


def test_invalid_form_comes_back_with_each_error_tied_to_its_field(served):
    base, settings, mail = served
    data = {**FORM, "email": "camille.example.com", "consent_job_alerts": "", "consent_events": "", "skills": "x" * 50}
    response = sign_up(base, data=data)
    assert response.status_code == 400
    page = lxml.html.fromstring(response.content)
    assert len(page.xpath("//h1")) == 1
    email = page.get_element_by_id("community-email")
    assert email.get("aria-invalid") == "true" and email.get("value") == "camille.example.com"
    assert "community-email-error" in email.get("aria-describedby")
    assert "n'est pas valide" in page.get_element_by_id("community-email-error").text_content()
    assert page.get_element_by_id("community-consents").get("aria-invalid") == "true"
    assert page.get_element_by_id("community-skills").get("aria-invalid") == "true"
    summary = [a.get("href") for a in page.xpath("//div[@class='error-summary']//a")]
    assert summary == ["#community-email", "#community-skills", "#community-consents"]
    assert page.xpath("//input[@name='departments' and @checked]/@value") == ["data", "cloud"]
    assert mail.messages == []


def test_title_and_heading_ask_to_correct_the_form_only_when_there_is_an_error(served):
    """WCAG 2.4.2 and 2.4.6: the page title and the h1 describe the page as it is."""
    base, _, _ = served
    for lang, plain, fix in (("fr", "Rejoindre notre communauté de talents", "Corrigez le formulaire"),
                             ("en", "Join our talent community", "Please correct the form")):
        blank = lxml.html.fromstring(httpx.get(f"{base}/inscription", headers={"Accept-Language": lang}).content)
        assert blank.xpath("string(//title)").startswith(plain), lang
        assert blank.xpath("string(//h1)") == plain and not blank.xpath("//div[@class='error-summary']")
        wrong = sign_up(base, data={**FORM, "email": "camille.example.com", "page_lang": lang})
        page = lxml.html.fromstring(wrong.content)
        assert wrong.status_code == 400
        assert page.xpath("string(//title)").startswith(fix) and page.xpath("string(//h1)") == fix, lang


def test_alerts_without_any_field_or_skill_are_refused(served):
    base, _, _ = served
    response = sign_up(base, departments=[], skills="")
    assert response.status_code == 400 and "au moins un métier" in response.text


def test_an_erased_person_signing_up_again_gives_a_new_explicit_consent(served):
    base, settings, mail = served
    with store_of(settings) as store:
        privacy.erase(store, "nina.leroy@example.org", TODAY)
        assert store.suppression_reason("nina.leroy@example.org") == "erased"
    sign_up(base, email="nina.leroy@example.org", consent_events="", consent_newsletter="yes")
    httpx.post(local(base, confirmation_link(mail.messages[0])), data={"action": "confirm"})
    with store_of(settings) as store:
        member = store.find_by_email("nina.leroy@example.org")
        assert member.id != "m-nina" and member.consents == {"job_alerts": TODAY, "newsletter": TODAY}
        assert store.suppression_reason("nina.leroy@example.org") is None  # or nothing could ever reach her


def test_access_and_erasure_cover_a_pending_sign_up(served):
    """Someone who only sent the form is not a member, yet we hold their address and choices."""
    base, settings, mail = served
    sign_up(base)
    sign_up(base, email="autre.personne@example.org", first_name="Alex")
    link = local(base, confirmation_link(mail.messages[0]))
    with store_of(settings) as store:
        data = privacy.export(store, "CAMILLE.DURAND@example.com")
        assert data["member"] is None
        [row] = data["records"]["community_signups"]
        assert json.loads(row["data"])["email"] == "Camille.Durand@example.com"
        assert privacy.erase(store, "camille.durand@example.com", TODAY) is None
        assert privacy.export(store, "camille.durand@example.com") is None
        assert signups.pending_count(store) == 1  # the other person's request is untouched
        dump = every_row(store).lower()
        assert "camille" not in dump and "autre.personne" in dump
    # The link of the erased request no longer confirms anything.
    assert httpx.post(link, data={"action": "confirm"}).status_code == 410
    with store_of(settings) as store:
        assert store.find_by_email("camille.durand@example.com") is None


def test_a_members_export_includes_their_pending_sign_up(served):
    base, settings, _mail = served
    sign_up(base, email="nina.leroy@example.org")
    with store_of(settings) as store:
        data = privacy.export(store, "nina.leroy@example.org")
        assert data["member"]["id"] == "m-nina"
        assert [row["email_key"] for row in data["records"]["community_signups"]] == ["nina.leroy@example.org"]


def test_an_unsubscribed_member_opting_in_again_is_resubscribed_and_open_to_unlisted_roles(served):
    base, settings, mail = served
    with store_of(settings) as store:
        store.unsubscribe("m-nina", dt.date(2026, 6, 1))
    sign_up(base, email="nina.leroy@example.org", open_to_unlisted="yes")
    httpx.post(local(base, confirmation_link(mail.messages[0])), data={"action": "confirm"})
    with store_of(settings) as store:
        member = store.get("m-nina")
        assert member.unsubscribed is None and member.has_consent("job_alerts") and member.has_consent("newsletter")
        assert member.stage == "applied" and member.stage_changed == TODAY and "spontaneous" in member.tags
        assert store.count() == 1


def test_it_was_not_me_deletes_the_request(served):
    base, settings, mail = served
    sign_up(base)
    link = local(base, confirmation_link(mail.messages[0]))
    assert "Demande supprimée" in httpx.post(link, data={"action": "cancel"}).text
    with store_of(settings) as store:
        assert signups.pending_count(store) == 0 and store.count() == 1
    assert httpx.post(link, data={"action": "confirm"}).status_code == 410


def test_english_sign_up_gets_english_pages_and_email(served):
    base, _, mail = served
    response = sign_up(base, language="en", page_lang="en", email="sam.taylor@example.com", first_name="Sam")
    assert lxml.html.fromstring(response.content).get("lang") == "en"
    assert mail.messages[0]["Subject"] == "Confirm your sign-up to our talent community"
    shown = httpx.get(local(base, confirmation_link(mail.messages[0])))
    assert lxml.html.fromstring(shown.content).xpath("string(//h1)") == "Confirm your sign-up"


def test_smtp_failure_keeps_the_request_and_says_so(served):
    base, settings, mail = served
    mail.script["camille.durand@example.com"] = ["550"]
    response = sign_up(base, email="camille.durand@example.com")
    assert response.status_code == 503
    with store_of(settings) as store:
        assert signups.pending_count(store) == 1


def test_the_confirmation_email_passes_the_mail_quality_gates(community_settings):
    from mailing import gates
    from mailing import settings as mailing_settings
    from mailing.community import settings as settings_of_community
    from mailing.community.confirm_mail import ConfirmationMail

    settings = dict(community_settings)
    mailing_settings.apply_defaults(settings)
    settings_of_community.apply_defaults(settings)
    for lang in ("fr", "en"):
        compiled = ConfirmationMail(settings).compiled(lang)
        # its own placeholder (the confirmation link) is the only thing the newsletter gates do not know
        assert [p for p in gates.check(compiled, settings) if "confirm_url" not in p] == []
        assert f'lang="{lang}"' in compiled.html.skeleton()
