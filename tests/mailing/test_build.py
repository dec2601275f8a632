"""The real build: private plan in the outbox, public pages without member data, failing gates."""

from __future__ import annotations

import email
import email.policy
import json
import re
import subprocess
import sys

import lxml.html
from talentpool.store import Store

from tests.conftest import ROOT, copy_content, run_pelican
from tests.helpers import page

CAMPAIGNS = {"2026-12-data-cloud": ["data-lyon", "cloud-devops", "nantes"],
             "2026-12-juniors-alternance": ["juniors", "silver-medalists", "english-speakers"]}


def members(build):
    with Store(build.pool) as store:
        return {m.id: m for m in store.iter_members()}


def test_plan_manifest_holds_ids_only_for_eligible_members(newsletter_build):
    pool = members(newsletter_build)
    for slug, segments in CAMPAIGNS.items():
        folder = newsletter_build.outbox / slug
        summary = json.loads((folder / "plan.json").read_text())
        lines = (folder / "manifest.jsonl").read_text().splitlines()
        entries = [json.loads(line) for line in lines]
        assert entries and summary["recipients"] == len(entries)
        assert {e["segment"] for e in entries} <= set(segments) and {e["lang"] for e in entries} == {"fr", "en"}
        assert "@" not in "".join(lines)
        for entry in entries:
            assert set(entry) == {"member", "segment", "lang", "variant", "jobs", "scores"}
            member = pool[entry["member"]]
            assert member.first_name not in json.dumps(entry)
        assert len({e["member"] for e in entries}) == len(entries)  # one message per member
        assert sum(summary["excluded"].values()) > 0 and summary["excluded"]["no_consent"] > 0
        for segment in segments:
            for lang in ("fr", "en"):
                for variant in summary["variants"]:
                    for ext in ("html", "txt", "json"):
                        assert (folder / "compiled" / f"{segment}.{lang}.{variant}.{ext}").exists()
    ab = [json.loads(l) for l in (newsletter_build.outbox / "2026-12-data-cloud" / "manifest.jsonl").read_text().splitlines()]
    assert {e["variant"] for e in ab} == {"a", "b"}
    skip_rule = json.loads((newsletter_build.outbox / "2026-12-data-cloud" / "plan.json").read_text())
    assert all(e["jobs"] for e in ab)  # If_nothing: skip — nobody without a matching job
    assert skip_rule["excluded"]["nothing_relevant"] > 0


def test_previews_are_complete_emails_for_real_members(newsletter_build):
    pool = members(newsletter_build)
    previews = sorted((newsletter_build.outbox / "2026-12-data-cloud" / "previews").glob("*.eml"))
    assert len(previews) == 3
    manifest = {json.loads(l)["member"]: json.loads(l) for l in (newsletter_build.outbox / "2026-12-data-cloud" / "manifest.jsonl").read_text().splitlines()}
    for path in previews:
        msg = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        member = pool[path.stem]
        entry = manifest[member.id]
        assert [p.get_content_type() for p in msg.iter_parts()] == ["text/plain", "text/html"]
        assert msg["To"].addresses[0].addr_spec == member.email
        text = msg.get_body(("plain",)).get_content()
        html = msg.get_body(("html",)).get_content()
        assert member.first_name in text and member.first_name in lxml.html.fromstring(html).text_content()
        assert f"utm_content={entry['variant']}" in text and "utm_campaign=2026-12-data-cloud" in text
        assert "/desabonnement?t=" in text and "/desabonnement?t=" in html
        assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_public_pages_are_noindex_unlisted_and_hold_no_member_data(newsletter_build):
    output = newsletter_build.output
    pool = members(newsletter_build)
    sitemap = (output / "sitemap.xml").read_text()
    assert "/newsletters/" not in sitemap
    pages = sorted((output / "newsletters").rglob("*"))
    files = [p for p in pages if p.is_file()]
    assert len(files) == 12  # 2 campaigns × 3 segments × 2 languages
    needles = {m.email.lower() for m in pool.values()} | {f"{m.first_name} {m.last_name}".lower() for m in pool.values()}
    needles |= {m.id for m in pool.values()}
    for path in files:
        text = path.read_text(encoding="utf-8")
        lowered = text.lower()
        leaked = [n for n in needles if n in lowered]
        assert not leaked, f"{path}: {leaked[:3]}"
        assert "?t=" not in text and "%%VIVIER" not in text
        doc = page(path)
        assert doc.xpath("//meta[@name='robots']/@content") == ["noindex, nofollow"]
        assert len(doc.xpath("//h1")) == 1
        framed = lxml.html.fromstring(doc.xpath("//iframe/@srcdoc")[0])
        assert framed.get("lang") == doc.get("lang")
        assert "/desabonnement" in " ".join(framed.xpath("//a/@href"))
    fr = page(output / "newsletters" / "2026-12-data-cloud" / "data-lyon" / "fr" / "index.html")
    assert fr.xpath("//link[@hreflang='en']/@href") == ["https://carrieres.cardamome.example/newsletters/2026-12-data-cloud/data-lyon/en/"]
    assert "Bonjour," in fr.xpath("//iframe/@srcdoc")[0]


def test_build_fails_naming_campaign_variant_and_field(tmp_path):
    content = copy_content(tmp_path)
    path = content / "newsletters" / "2026-12-data-cloud.md"
    path.write_text(path.read_text().replace("Segments: data-lyon, cloud-devops, nantes", "Segments: data-lyon, clould-devops"), encoding="utf-8")
    other = content / "newsletters" / "en" / "2026-12-juniors-alternance.md"
    other.write_text(re.sub(r"Preheader: .*", "Preheader: Too short.", other.read_text()), encoding="utf-8")
    result = run_pelican(content, tmp_path / "output")
    out = result.stdout + result.stderr
    assert result.returncode != 0
    assert "newsletters/2026-12-data-cloud.md:8: segments: unknown segment 'clould-devops'" in " ".join(out.split())
    flat = " ".join(out.split())
    assert "newsletters/en/2026-12-juniors-alternance.md: variant juniors/en/a: preheader is 10 characters; write 40 to 130" in flat
    assert not (tmp_path / "output" / "newsletters").exists()


def test_cli_plan_and_member_preview(newsletter_build):
    env = newsletter_build.env
    plan = subprocess.run([sys.executable, "-m", "vivier", "newsletter", "plan", "2026-12-juniors-alternance"],
                          cwd=ROOT, env={**env, "COLUMNS": "200"}, capture_output=True, text=True, timeout=180)
    assert plan.returncode == 0, plan.stderr
    assert "english-speakers" in plan.stdout and "no consent" in plan.stdout and "total" in plan.stdout
    manifest = [json.loads(l) for l in (newsletter_build.outbox / "2026-12-juniors-alternance" / "manifest.jsonl").read_text().splitlines()]
    entry = next(e for e in manifest if e["jobs"])
    member = members(newsletter_build)[entry["member"]]
    preview = subprocess.run([sys.executable, "-m", "vivier", "newsletter", "preview", "2026-12-juniors-alternance", "--member", member.email],
                             cwd=ROOT, env=env, capture_output=True, text=True, timeout=180)
    assert preview.returncode == 0, preview.stderr
    path = preview.stdout.strip().splitlines()[-1]
    msg = email.message_from_bytes(open(path, "rb").read(), policy=email.policy.default)
    assert msg["To"].addresses[0].addr_spec == member.email
    assert f"variant {entry['variant']}" in preview.stderr and entry["jobs"][0] in preview.stderr
    unknown = subprocess.run([sys.executable, "-m", "vivier", "newsletter", "preview", "2026-12-juniors-alternance", "--member", "nobody@example.net"],
                             cwd=ROOT, env=env, capture_output=True, text=True, timeout=180)
    assert unknown.returncode != 0 and "no member of the pool has the address 'nobody@example.net'" in unknown.stderr
