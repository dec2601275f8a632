"""Job feeds parsed back: Atom/RSS (feedparser), Indeed XML (lxml), embeddable JSON."""

from __future__ import annotations

import json
from pathlib import Path

import feedparser
import pytest
from lxml import etree

from tests.helpers import page

PUBLIC = "https://carrieres.cardamome.example"
CLOSED_SLUGS = {"architecte-cloud-azure-nantes", "consultant-pilotage-si-nantes"}


def open_urls(site, lang):
    index = "emplois/index.json" if lang == "fr" else "en/jobs/index.json"
    return {f"{PUBLIC}/{item['url']}" for item in json.loads((site / index).read_text())["items"]}


def facets_of(site, lang):
    index = "emplois/index.json" if lang == "fr" else "en/jobs/index.json"
    return {f"{PUBLIC}/{item['url']}": item["facets"] for item in json.loads((site / index).read_text())["items"]}


def parse(path):
    feed = feedparser.parse(path.read_bytes())
    assert not feed.bozo, (path, feed.get("bozo_exception"))
    return feed


@pytest.mark.parametrize("lang,prefix", [("fr", ""), ("en", "en/")])
@pytest.mark.parametrize("kind", ["atom", "rss"])
def test_main_job_feeds_list_exactly_the_open_jobs(site, lang, prefix, kind):
    feed = parse(site / prefix / "feeds" / f"jobs.{kind}.xml")
    links = {entry.link for entry in feed.entries}
    assert links == open_urls(site, lang)
    assert len(feed.entries) == len(links) >= 4
    assert not any(slug in link for link in links for slug in CLOSED_SLUGS)
    assert feed.feed.get("language") == lang
    for entry in feed.entries:
        assert entry.get("published_parsed") and entry.title and entry.get("summary")
        assert "€" in entry.summary  # pay shown in every entry


@pytest.mark.parametrize("kind", ["atom", "rss"])
def test_department_and_location_feeds_hold_their_open_jobs_only(site, kind):
    facets = facets_of(site, "fr")
    checked = 0
    for facet, key in (("department", "data"), ("department", "cloud"), ("location", "lyon"), ("location", "nantes")):
        feed = parse(site / "feeds" / f"jobs-{facet}-{key}.{kind}.xml")
        expected = {url for url, values in facets.items() if key in values[facet]}
        assert {e.link for e in feed.entries} == expected and expected
        checked += 1
    en = parse(site / "en" / "feeds" / f"jobs-location-grenoble.{kind}.xml")
    assert [e.link for e in en.entries] == [f"{PUBLIC}/en/jobs/consultant-cloud-aws-grenoble/"]
    assert checked == 4
    # A department without open jobs has no feed.
    assert not (site / "feeds" / "jobs-department-inconnu.atom.xml").exists()


def test_listing_advertises_its_feeds(site):
    doc = page(site / "emplois" / "departement" / "data" / "index.html")
    assert doc.xpath("//link[@type='application/atom+xml']/@href")[-1] == "/feeds/jobs-department-data.atom.xml"
    assert doc.xpath("//link[@type='application/rss+xml']/@href") == ["/feeds/jobs-department-data.rss.xml"]


def test_indeed_feed_is_complete_with_cdata_and_stable_references(site):
    raw = (site / "feeds" / "jobs-indeed.xml").read_bytes()
    tree = etree.fromstring(raw, etree.XMLParser(strip_cdata=False))
    assert tree.tag == "source"
    jobs = tree.findall("job")
    refs = [job.findtext("referencenumber") for job in jobs]
    assert len(refs) == len(set(refs)), "reference numbers must be unique"
    # One version per job (French ones for jobs in France), one entry per location.
    urls = {job.findtext("url") for job in jobs}
    assert urls == open_urls(site, "fr")
    by_ref = {job.findtext("referencenumber"): job for job in jobs}
    assert {"CC-2026-013-lyon", "CC-2026-013-nantes"} <= set(by_ref)
    assert by_ref["CC-2026-013-lyon"].findtext("requisitionid") == "CC-2026-013"
    assert by_ref["CC-2026-013-nantes"].findtext("city") == "Nantes"
    assert not any("CC-2026-004" in r or "CC-2026-007" in r for r in refs)  # closed, expired
    remote = [j for j in jobs if j.findtext("remotetype") == "Fully remote"]
    assert [j.findtext("requisitionid") for j in remote] == ["CC-2026-016"]
    for job in jobs:
        for child in job:
            assert f"<{child.tag}><![CDATA[".encode() in raw
        assert job.findtext("title") and job.findtext("date") and job.findtext("country")
        assert job.findtext("company") == "Cardamome Conseil"
        assert "<p>" in job.findtext("description")
    # Values are CDATA sections, never entity-escaped.
    assert "<category><![CDATA[Data & IA]]></category>".encode() in raw


def test_json_feed_lists_open_jobs_of_every_language(site):
    data = json.loads((site / "feeds" / "jobs.json").read_text())
    urls = {job["url"] for job in data["jobs"]}
    assert urls == open_urls(site, "fr") | open_urls(site, "en")
    assert data["company"]["name"] == "Cardamome Conseil"
    job = next(j for j in data["jobs"] if j["url"].endswith("/emplois/ingenieur-data-nantes/"))
    assert job["salary"] == {"min": 45000, "max": 55000, "currency": "EUR", "period": "year", "text": "45\u202f000\u00a0€ – 55\u202f000\u00a0€ brut par an"}
    assert job["translations"] == {"en": f"{PUBLIC}/en/jobs/ingenieur-data-nantes/"}
    assert job["locations"][0]["country"] == "FR"


def test_atom_and_rss_feeds_keep_the_newest_jobs_and_job_board_feeds_keep_all(content_copy, tmp_path):
    """JOBS_FEED_MAX_ITEMS caps the Atom/RSS feeds (newest first); Indeed and JSON feeds stay complete."""
    from tests.conftest import run_pelican

    out = tmp_path / "out"
    result = run_pelican(content_copy, out, "-e", "JOBS_FEED_MAX_ITEMS=2")
    assert result.returncode == 0, result.stderr[-2000:]
    listed = json.loads((out / "emplois" / "index.json").read_text())["items"]
    assert len(listed) > 2
    for kind in ("atom", "rss"):
        feed = parse(out / "feeds" / f"jobs.{kind}.xml")
        # The listing is newest first: the feed holds its first two jobs.
        assert [e.link for e in feed.entries] == [f"{PUBLIC}/{item['url']}" for item in listed[:2]]
    department = parse(out / "feeds" / "jobs-department-data.atom.xml")
    assert len(department.entries) <= 2
    indeed = etree.parse(str(out / "feeds" / "jobs-indeed.xml"))
    assert {job.findtext("url") for job in indeed.iter("job")} == {f"{PUBLIC}/{item['url']}" for item in listed}
    embedded = {job["url"] for job in json.loads((out / "feeds" / "jobs.json").read_text())["jobs"]}
    assert {f"{PUBLIC}/{item['url']}" for item in listed} <= embedded


def test_a_feed_cap_that_is_not_a_positive_number_is_refused(content_copy, tmp_path):
    from tests.conftest import run_pelican

    result = run_pelican(content_copy, tmp_path / "out", "-e", "JOBS_FEED_MAX_ITEMS=0")
    assert result.returncode != 0
    assert "JOBS_FEED_MAX_ITEMS must be a whole number of entries (at least 1) or None, not 0" in " ".join((result.stdout + result.stderr).split())


def test_every_feed_links_to_its_html_page_not_to_itself(site):
    """RSS 2.0: the channel <link> is "the URL to the HTML website"; feedparser reads it as feed.link."""
    feeds = sorted(site.rglob("feeds/*.rss.xml")) + sorted(site.rglob("feeds/*.atom.xml"))
    assert len(feeds) >= 20
    for path in feeds:
        link = parse(path).feed.link
        assert link.startswith(PUBLIC + "/") and link.endswith("/"), (path, link)
        assert (site / link[len(PUBLIC) + 1:] / "index.html").is_file(), (path, link)
    assert parse(site / "feeds" / "jobs.rss.xml").feed.link == f"{PUBLIC}/emplois/"
    assert parse(site / "en" / "feeds" / "jobs-location-lyon.rss.xml").feed.link == f"{PUBLIC}/en/jobs/location/lyon/"
    raw = (site / "feeds" / "jobs.rss.xml").read_text()
    assert f'<atom:link href="{PUBLIC}/feeds/jobs.rss.xml" rel="self"/>' in raw


@pytest.mark.parametrize("lang,prefix,listing", [("fr", "", "emplois/"), ("en", "en/", "en/jobs/")])
def test_json_feed_1_1_of_each_language_reads_back(site, lang, prefix, listing):
    """JSON Feed 1.1 (jsonfeed.org), read by an independent parser (feedparser 6.0 reads XML feeds only)."""
    import feedparser_rs

    path = site / prefix / "feeds" / "jobs.feed.json"
    feed = feedparser_rs.parse(path.read_bytes())
    assert feed.version == "json11" and not feed.bozo
    assert feed.feed.link == f"{PUBLIC}/{listing}"
    assert feed.feed.get("language") == lang
    assert {e.link for e in feed.entries} == open_urls(site, lang)
    raw = json.loads(path.read_text())
    assert raw["feed_url"] == f"{PUBLIC}/{prefix}feeds/jobs.feed.json"
    for item in raw["items"]:
        assert item["id"] == item["url"] and item["date_published"] and item["title"]
        slug = item["url"].rstrip("/").split("/")[-1]
        must = page(site / listing / slug / "index.html").xpath("//ul[contains(@class,'must-have')]/li/text()")
        assert must and all(skill.replace("'", "&#x27;") in item["content_html"] for skill in must), slug
        assert "€" in item["summary"]
    doc = page(site / listing / "index.html")
    assert doc.xpath("//link[@type='application/feed+json']/@href") == [f"/{prefix}feeds/jobs.feed.json"]


def test_a_rebuild_makes_only_the_feeds_listing_an_edited_ad_and_equals_a_fresh_build(tmp_path):
    """Feeds whose inputs did not change are left alone (careers.page_cache); those listing the edited ad
    are made again, and every feed equals the one a build from scratch writes."""
    import filecmp
    import re

    from tests.conftest import copy_content, run_pelican

    content = copy_content(tmp_path)

    def build(out, cached):
        extra = [f'CAREERS_TEMPLATE_CACHE_PATH="{tmp_path / "templates-cache"}"']
        if cached:
            extra += ["CACHE_CONTENT=true", "LOAD_CONTENT_CACHE=true", f'CACHE_PATH="{tmp_path / "cache"}"']
        env = {"VIVIER_OUTBOX": str(tmp_path / f"outbox-{out.name}"), "VIVIER_POOL": str(tmp_path / "no-store.sqlite3")}
        result = run_pelican(content, out, "--verbose", "-e", *extra, env=env)
        assert result.returncode == 0, (result.stdout + result.stderr)[-3000:]
        log = result.stdout + result.stderr
        boards = re.findall(r"job entries of the facets' indexes and job board feeds: (\d+) made, (\d+) left as they were", log)
        if cached:
            entries.append(tuple(map(int, boards[0])))
        return {lang: (int(made), int(left)) for lang, made, left in
                re.findall(r"job feeds \((\w+)\): (\d+) made, (\d+) left as they were", log)}

    entries = []  # (made, kept) of the Indeed and JSON feeds' entries, per cached build

    first = build(tmp_path / "out", cached=True)
    assert first["fr"][0] > 5 and first["fr"][1] == 0 and first["en"][1] == 0
    job = content / "jobs" / "developpeur-python-nantes.md"
    job.write_text(job.read_text(encoding="utf-8") + "\nLe poste est ouvert aux personnes en reconversion.\n", encoding="utf-8")
    again = build(tmp_path / "out", cached=True)
    # French: all jobs, its department (dev) and its place (Nantes); English: nothing to make.
    assert again["fr"] == (3, first["fr"][0] - 3), again
    assert again["en"] == (0, first["en"][0]), again
    assert "personnes en reconversion" in (tmp_path / "out" / "feeds" / "jobs-department-dev.atom.xml").read_text(encoding="utf-8")
    # The facets' index, the Indeed and the JSON feeds hold every open job: only the edited ad's three
    # entries are made again.
    assert entries[0][1] == 0 and entries[1] == (3, entries[0][0] - 3), entries
    assert "personnes en reconversion" in (tmp_path / "out" / "feeds" / "jobs-indeed.xml").read_text(encoding="utf-8")
    build(tmp_path / "fresh", cached=False)
    feeds = sorted(p.relative_to(tmp_path / "fresh") for p in (tmp_path / "fresh").rglob("jobs*.*")
                   if p.suffix in (".xml", ".json"))
    assert len(feeds) > 20 and Path("feeds/jobs-indeed.xml") in feeds and Path("feeds/jobs.json") in feeds
    assert [str(p) for p in feeds if not filecmp.cmp(tmp_path / "out" / p, tmp_path / "fresh" / p, shallow=False)] == []


def test_the_json_feed_written_entry_by_entry_is_json_feed_written_compactly(tmp_path):
    """`json_feed_text` (entries kept from the last build) against `json.dumps` of `json_feed` (the whole feed)."""
    import json

    from careers.build import read_all
    from careers.job_feeds import json_feed, json_feed_text
    from careers.jobs import JobsGenerator
    from tests.conftest import ROOT, copy_content
    from vivier.config import load_settings

    settings = load_settings(ROOT / "pelicanconf.py", PATH=str(copy_content(tmp_path)), MAILING_BACKGROUND=False)
    jobs = next(g for g in read_all(settings) if isinstance(g, JobsGenerator)).open_jobs
    assert len(jobs) > 10 and any(job.translations for job in jobs)
    assert json_feed_text(settings, jobs) == json.dumps(json_feed(settings, jobs), ensure_ascii=False,
                                                        separators=(",", ":")) + "\n"
    assert json_feed_text(settings, []) == json.dumps(json_feed(settings, []), ensure_ascii=False,
                                                      separators=(",", ":")) + "\n"
    from careers.job_facets import index_document, index_document_text

    for some in (jobs, jobs[:1], []):
        assert index_document_text(some) == json.dumps(index_document(some), ensure_ascii=False,
                                                       separators=(",", ":")) + "\n"
