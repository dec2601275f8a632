"""The editor's configuration comes from the build's schemas; /admin/ stays out of search and feeds."""

from __future__ import annotations

import json
import re

import markdown
import pytest
from careers import job_fields
from pelican.settings import read_settings

from editor import settings as editor_settings
from editor.config import content_types, editor_config, unknown_parsers
from editor.site import content_security_policy
from tests.conftest import ROOT


@pytest.fixture(scope="module")
def settings():
    values = read_settings(str(ROOT / "pelicanconf.py"))
    editor_settings.apply_defaults(values)
    return values


def collection(config, name):
    return next(c for c in config["decap"]["collections"] if c["name"] == name)


def by_name(fields):
    return {f["name"]: f for f in fields}


def test_every_field_of_every_content_type_has_a_widget(settings):
    assert unknown_parsers(settings) == []
    config = editor_config(settings)
    names = [c["name"] for c in config["decap"]["collections"]]
    assert names == [f"{t}_{lang}" for t in ("jobs", "events", "ambassadors", "articles", "pages", "newsletters")
                     for lang in ("fr", "en")]
    for ctype in content_types(settings):
        fields = by_name(collection(config, f"{ctype.name}_fr")["fields"])
        assert [s.name for s in ctype.schema.fields if s.name not in fields] == []
        for spec in ctype.schema.fields:
            if fields[spec.name]["widget"] == "hidden":  # the language, a sign-off written by `vivier job sign-off`
                continue
            if spec.name not in ("lang", "slug"):  # the language is set by the collection, the slug explained there
                assert spec.help.lower() in fields[spec.name].get("hint", "").lower(), spec.name


def test_the_job_form_has_the_builds_rules(settings):
    fields = by_name(collection(editor_config(settings, ["Lyon", "Nantes"]), "jobs_fr")["fields"])
    required = {name for name, f in fields.items() if f.get("required")}
    assert required == {"title", "slug", "reference", "department", "locations", "remote", "contract",
                        "salary_min", "salary_max", "experience", "must_have", "hiring_manager"}
    assert fields["contract"]["options"] == job_fields.CONTRACTS
    assert fields["remote"]["options"] == job_fields.REMOTE
    assert [o["value"] for o in fields["department"]["options"]] == list(settings["JOBS_DEPARTMENTS"])
    place = by_name(fields["locations"]["fields"])
    assert place["country"]["required"] and place["city"]["options"] == ["Lyon", "Nantes"]
    assert fields["must_have"]["widget"] == "list" and fields["must_have"]["min"] == 1
    assert fields["nice_to_have"]["widget"] == "list" and not fields["nice_to_have"]["required"]
    assert fields["valid_through"]["format"] == "YYYY-MM-DD" and fields["date"]["format"] == "YYYY-MM-DD HH:mm"
    assert fields["salary_min"]["widget"] == "number"


def test_without_the_pay_rule_the_pay_range_is_optional(settings):
    fields = by_name(collection(editor_config({**settings, "JOBS_REQUIRE_SALARY": False}), "jobs_fr")["fields"])
    assert not fields["salary_min"]["required"] and not fields["salary_max"]["required"]


def test_a_choice_added_to_the_build_reaches_the_form(settings, monkeypatch):
    monkeypatch.setattr(job_fields, "CONTRACTS", job_fields.CONTRACTS + ["portage salarial"])
    fields = by_name(collection(editor_config(settings), "jobs_fr")["fields"])
    assert fields["contract"]["options"][-1] == "portage salarial"


def test_a_translation_takes_its_keys_from_its_original(settings):
    config = editor_config(settings)
    jobs = by_name(collection(config, "jobs_en")["fields"])
    for key in ("reference", "slug"):
        assert jobs[key]["widget"] == "relation" and jobs[key]["collection"] == "jobs_fr" and jobs[key]["required"]
    assert jobs["lang"] == {"name": "lang", "label": "Lang", "widget": "hidden", "default": "en", "required": False}
    events = by_name(collection(config, "events_en")["fields"])
    assert events["reference"]["widget"] == "relation" and events["slug"]["widget"] == "string"
    ambassadors = collection(config, "ambassadors_en")
    assert by_name(ambassadors["fields"])["slug"]["value_field"] == "{{slug}}"
    assert ambassadors["slug"] == "{{fields.slug}}" and ambassadors["folder"] == "content/ambassadors/en"
    assert collection(config, "articles_en")["folder"] == "content/articles/en"


def test_the_editors_policy_names_only_what_it_needs(settings):
    policy = content_security_policy(settings)
    assert "default-src 'self'" in policy and "object-src 'none'" in policy
    connect = next(p for p in policy.split("; ") if p.startswith("connect-src"))
    assert connect.split()[1:] == ["'self'", "http://127.0.0.1:8081", "https://api.github.com"]
    with_oauth = content_security_policy({**settings, "EDITOR_BACKEND": {
        "name": "github", "repo": "a/b", "base_url": "https://auth.cardamome.example"}})
    assert "https://auth.cardamome.example" in with_oauth


def test_admin_is_built_noindex_with_its_policy_and_out_of_sitemap_and_feeds(site):
    page = (site / "admin" / "index.html").read_text(encoding="utf-8")
    assert '<meta name="robots" content="noindex, nofollow">' in page
    assert re.search(r'<meta http-equiv="Content-Security-Policy" content="default-src \'self\'', page)
    assert (site / "admin" / "decap-cms.js").stat().st_size > 1_000_000  # the bundle, served by the site itself
    assert not re.search(r'(?:src|href)="(?:https?:)?//', page)  # scripts and styles come from the site itself
    config = json.loads((site / "admin" / "editor.json").read_text(encoding="utf-8"))
    assert len(config["decap"]["collections"]) == 12
    for path in [site / "sitemap.xml", *site.rglob("*.xml")]:
        assert "/admin" not in path.read_text(encoding="utf-8"), path
    for path in site.rglob("*.json"):
        if "admin" not in path.parts:
            assert "/admin/" not in path.read_text(encoding="utf-8"), path


def _python_values(path, settings):
    md = markdown.Markdown(extensions=["meta"])
    md.convert(path.read_text(encoding="utf-8"))
    raw = {k: (v[0] if len(v) == 1 else v) for k, v in md.Meta.items()}
    from careers.report import ContentReport

    return job_fields.job_schema(settings).parse(raw, str(path), ContentReport())


def test_the_editors_file_format_reads_every_file_as_the_build_and_writes_it_back_unchanged(browser, served_site, settings):
    files = sorted((ROOT / "content").rglob("*.md"))
    texts = {str(p.relative_to(ROOT / "content")): p.read_text(encoding="utf-8") for p in files}
    page = browser.new_page()
    page.goto(served_site + "/admin/editor.json")
    page.add_script_tag(url=served_site + "/admin/vivier-format.js")
    page.wait_for_function("window.VivierCodec !== undefined")
    results = page.evaluate("""async (texts) => {
        const spec = await (await fetch('/admin/editor.json')).json();
        const out = {};
        for (const [path, text] of Object.entries(texts)) {
            const type = path.split('/')[0];
            const lang = path.split('/')[1] === 'en' ? 'en' : 'fr';
            const codec = new window.VivierCodec(spec.formats[type + '_' + lang]);
            const data = codec.parse(text);
            out[path] = {same: codec.serialize(data) === text, data: data};
        }
        return out;
    }""", texts)
    page.close()
    assert len(results) == len(files) > 40
    assert [path for path, r in results.items() if not r["same"]] == []
    for path, result in results.items():
        if not path.startswith("jobs/"):
            continue
        data, python = result["data"], _python_values(ROOT / "content" / path, settings)
        assert data["must_have"] == python["must_have"], path
        assert data.get("nice_to_have", []) == python["nice_to_have"], path
        assert [(p["city"] or None, p["country"]) for p in data["locations"]] == [(p.city, p.country) for p in python["locations"]]
        for name in ("contract", "remote", "experience", "department", "reference"):
            assert data[name] == python[name], (path, name)
        for name in ("salary_min", "salary_max"):
            assert (data.get(name) is None and python[name] is None) or data[name] == float(python[name]), (path, name)
        assert data.get("interview_steps", []) == python["interview_steps"], path


def test_every_editor_setting_is_documented():
    docs = (ROOT / "docs" / "editors.md").read_text(encoding="utf-8")
    assert [name for name in editor_settings.DEFAULTS if f"`{name}`" not in docs] == []
